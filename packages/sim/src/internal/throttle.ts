// Link throttling (a gray failure): a node's outbound links get a byte budget per step, so large
// AppendEntries queue behind each other and behind heartbeats; a queue longer than a bound drops what
// it cannot carry (a shaper's queue limit). Pure and deterministic: draws only from its own PRNG.
import type { Message, NodeId, SeededPrng } from '@raftkv/raft';

export interface ThrottleKnobs {
  /** Probability per step that a throttle of the current leader's outbound links starts. */
  readonly startRatePerStep: number;
  /** Bytes one throttled link carries per step. */
  readonly bytesPerStep: number;
  readonly durationStepsMin: number;
  readonly durationStepsMax: number;
  /** A message that would wait longer than this for the link is dropped (the shaper's queue limit). */
  readonly queueLimitSteps: number;
}

/** Drawn from the throttle's own stream, so the other knobs and streams of a seed stay as they were. */
export function drawThrottleKnobs(random: SeededPrng, electionSteps: number, on: boolean): ThrottleKnobs {
  const pick = <T>(choices: readonly T[]): T => choices[random.nextInt(choices.length)]!;
  // The seed's 'throttle' fault family (knobs.ts) switches throttles on or off; the draw happens either way.
  const startRatePerStep = pick([1 / 2000, 1 / 600]);
  return {
    startRatePerStep: on ? startRatePerStep : 0,
    bytesPerStep: pick([8, 32, 128]),
    durationStepsMin: 2 * electionSteps,
    durationStepsMax: 6 * electionSteps,
    queueLimitSteps: pick([electionSteps >> 1, electionSteps, 2 * electionSteps]),
  };
}

export function describeThrottleKnobs(knobs: ThrottleKnobs): string {
  const rate = knobs.startRatePerStep === 0 ? '0' : `1/${Math.round(1 / knobs.startRatePerStep)}`;
  return `throttle=${rate}@${knobs.bytesPerStep}B/step,queue<=${knobs.queueLimitSteps}`;
}

/** Roughly what a message costs on the wire: a header, plus its entries' or chunk's bytes. */
export function wireBytes(message: Message): number {
  const header = 48;
  if (message.type === 'AppendEntries') {
    let bytes = header;
    for (const entry of message.entries) {
      bytes +=
        16 + (entry.kind === 'command' ? entry.data.byteLength : 32 * entry.configuration.members.length);
    }
    return bytes;
  }
  if (message.type === 'InstallSnapshot') return header + message.data.byteLength;
  return header;
}

export interface Throttle {
  readonly node: NodeId;
  readonly startStep: number;
  readonly endStep: number;
}

/**
 * The throttles in force and, per throttled directed link, the step from which the link is free:
 * a message sent at `step` leaves once the link has carried everything queued before it, at
 * `bytesPerStep` bytes per step; the network adds its usual delay from there.
 */
export class ThrottleSchedule {
  private active: Throttle[] = [];
  private readonly linkFreeAt = new Map<string, number>();
  private started = 0;
  /** Messages dropped because a throttled link's queue was full. */
  dropped = 0;

  constructor(
    private readonly random: SeededPrng,
    readonly knobs: ThrottleKnobs,
  ) {}

  get startedCount(): number {
    return this.started;
  }

  get activeThrottles(): readonly Throttle[] {
    return this.active;
  }

  /** Maybe throttles `target` (the leader, when there is one) from `step`; returns the throttle. */
  maybeStart(step: number, target: NodeId | null): Throttle | null {
    if (target === null || this.active.length > 0) return null;
    if (!this.random.chance(this.knobs.startRatePerStep)) return null;
    const { durationStepsMin, durationStepsMax } = this.knobs;
    const duration = durationStepsMin + this.random.nextInt(durationStepsMax - durationStepsMin + 1);
    const throttle = { node: target, startStep: step, endStep: step + duration };
    this.add(throttle);
    return throttle;
  }

  add(throttle: Throttle): void {
    this.active.push(throttle);
    this.started += 1;
  }

  /** Removes and returns the throttles that end at or before `step`. */
  expire(step: number): Throttle[] {
    const ended = this.active.filter((throttle) => throttle.endStep <= step);
    if (ended.length > 0) this.active = this.active.filter((throttle) => throttle.endStep > step);
    return ended;
  }

  healAll(): void {
    this.active = [];
  }

  /**
   * The step at which `message`, sent at `step`, leaves its link: `step` itself when the sender is not
   * throttled, later when the link is busy, or null when the queue is full and the message is dropped.
   */
  departureStep(message: Message, step: number): number | null {
    if (this.active.length === 0 || !this.active.some((throttle) => throttle.node === message.from)) {
      return step;
    }
    const link = `${message.from}>${message.to}`;
    const freeAt = Math.max(step, this.linkFreeAt.get(link) ?? step);
    if (freeAt - step > this.knobs.queueLimitSteps) {
      this.dropped += 1;
      return null;
    }
    const departs = freeAt + Math.ceil(wireBytes(message) / this.knobs.bytesPerStep);
    this.linkFreeAt.set(link, departs);
    return departs;
  }
}
