// The simulated network: per-message loss, duplication and random delay (hence reordering) — most
// messages within a tick, a drawn share up to several election timeouts — an optional link shaper
// (throttling, throttle.ts), and partitions checked at delivery time. Pure and deterministic: draws
// only from its own PRNG.
import type { Message, NodeId, SeededPrng } from '@raftkv/raft';
import type { NetworkKnobs } from './knobs.js';

export interface NetworkCounters {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  /** Messages (copies) scheduled with a long delay. */
  delayedLong: number;
  droppedByPartition: number;
  droppedNodeDown: number;
  /** Dropped because a throttled link's queue was full (throttle.ts). */
  droppedByThrottle: number;
}

/** When a message leaves its sender's link (a throttle, throttle.ts): a later step, or null to drop it. */
export interface LinkShaper {
  departureStep(message: Message, step: number): number | null;
}

/** Decides, at delivery time, whether a message may pass and whether its destination can take it. */
export interface DeliveryGate {
  isCut(from: NodeId, to: NodeId, step: number): boolean;
  /** Hands the message to its destination; false when the destination is down or unknown. */
  deliver(message: Message): boolean;
}

export class SimulatedNetwork {
  readonly counters: NetworkCounters = {
    sent: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    delayedLong: 0,
    droppedByPartition: 0,
    droppedNodeDown: 0,
    droppedByThrottle: 0,
  };
  private readonly inFlight = new Map<number, Message[]>();
  private inFlightCount = 0;
  private faults: NetworkKnobs;

  constructor(
    private readonly random: SeededPrng,
    faults: NetworkKnobs,
    private readonly shaper: LinkShaper | null = null,
  ) {
    this.faults = faults;
  }

  get messagesInFlight(): number {
    return this.inFlightCount;
  }

  /** Queues `message`, sent at `step`, for delivery after a random delay; it may be lost or duplicated. */
  send(message: Message, step: number): void {
    this.counters.sent += 1;
    if (this.random.chance(this.faults.lossRate)) {
      this.counters.lost += 1;
      return;
    }
    const departs = this.shaper === null ? step : this.shaper.departureStep(message, step);
    if (departs === null) {
      this.counters.droppedByThrottle += 1;
      return;
    }
    this.schedule(message, departs);
    if (this.random.chance(this.faults.duplicationRate)) {
      this.counters.duplicated += 1;
      this.schedule(message, departs);
    }
  }

  /** Delivers, in send order, every message due at `step`. */
  deliverDue(step: number, gate: DeliveryGate): void {
    const due = this.inFlight.get(step);
    if (due === undefined) return;
    this.inFlight.delete(step);
    this.inFlightCount -= due.length;
    for (const message of due) {
      if (gate.isCut(message.from, message.to, step)) {
        this.counters.droppedByPartition += 1;
      } else if (gate.deliver(message)) {
        this.counters.delivered += 1;
      } else {
        this.counters.droppedNodeDown += 1;
      }
    }
  }

  /** From now on no message is lost or duplicated (delays, and so reordering, remain). */
  stopLossAndDuplication(): void {
    this.faults = { ...this.faults, lossRate: 0, duplicationRate: 0 };
  }

  /** From now on no message is delayed long (those already in flight still arrive late). */
  stopLongDelays(): void {
    this.faults = { ...this.faults, longDelayShare: 0 };
  }

  private schedule(message: Message, step: number): void {
    const { delayStepsMin, delayStepsMax, longDelayShare, longDelayStepsMax } = this.faults;
    let at: number;
    if (longDelayShare > 0 && this.random.chance(longDelayShare)) {
      this.counters.delayedLong += 1;
      at = step + delayStepsMax + 1 + this.random.nextInt(longDelayStepsMax - delayStepsMax);
    } else {
      at = step + delayStepsMin + this.random.nextInt(delayStepsMax - delayStepsMin + 1);
    }
    const bucket = this.inFlight.get(at);
    if (bucket === undefined) this.inFlight.set(at, [message]);
    else bucket.push(message);
    this.inFlightCount += 1;
  }
}
