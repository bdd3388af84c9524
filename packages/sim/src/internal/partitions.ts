// The partition schedule: which directed links are cut at a given step (symmetric isolation,
// two-sided splits, one-way cuts, and flapping cuts that toggle). Pure: draws only from its PRNG.
import type { NodeId, SeededPrng } from '@raftkv/raft';
import type { PartitionKnobs } from './knobs.js';

export type PartitionKind = 'isolate' | 'split' | 'one-way' | 'flapping';

export interface Partition {
  readonly id: number;
  readonly kind: PartitionKind;
  readonly startStep: number;
  readonly endStep: number;
  /** Directed links `from>to` that this partition cuts while it is in force. */
  readonly cutLinks: ReadonlySet<string>;
  /** 0 for a steady cut; otherwise the cut is in force for this many steps, then lifted as long, and so on. */
  readonly flapPeriodSteps: number;
  readonly description: string;
}

const link = (from: NodeId, to: NodeId): string => `${from}>${to}`;

export class PartitionSchedule {
  private active: Partition[] = [];
  private nextId = 1;
  private started = 0;

  constructor(
    private readonly random: SeededPrng,
    private readonly knobs: PartitionKnobs,
  ) {}

  /** How many partitions have started so far. */
  get startedCount(): number {
    return this.started;
  }

  get activePartitions(): readonly Partition[] {
    return this.active;
  }

  /** Maybe starts a new partition among `nodeIds` at `step`; returns it when it did. */
  maybeStart(step: number, nodeIds: readonly NodeId[]): Partition | null {
    if (nodeIds.length < 2 || this.active.length >= this.knobs.concurrentMax) return null;
    if (!this.random.chance(this.knobs.startRatePerStep)) return null;
    const duration =
      this.knobs.durationStepsMin +
      this.random.nextInt(this.knobs.durationStepsMax - this.knobs.durationStepsMin + 1);
    const kind = (['isolate', 'split', 'one-way', 'flapping'] as const)[this.random.nextInt(4)]!;
    const partition = this.draw(kind, step, step + duration, nodeIds);
    this.add(partition);
    return partition;
  }

  add(partition: Partition): void {
    this.active.push(partition);
    this.started += 1;
  }

  /** Removes and returns the partitions that end at or before `step`. */
  expire(step: number): Partition[] {
    const ended = this.active.filter((partition) => partition.endStep <= step);
    if (ended.length > 0) this.active = this.active.filter((partition) => partition.endStep > step);
    return ended;
  }

  /** Lifts every partition at once (the heal before the liveness phase). */
  healAll(): void {
    this.active = [];
  }

  isCut(from: NodeId, to: NodeId, step: number): boolean {
    if (this.active.length === 0) return false;
    const key = link(from, to);
    for (const partition of this.active) {
      if (!partition.cutLinks.has(key)) continue;
      if (partition.flapPeriodSteps === 0) return true;
      if (Math.floor((step - partition.startStep) / partition.flapPeriodSteps) % 2 === 0) return true;
    }
    return false;
  }

  /** The next partition id, for partitions built by hand (tests). */
  allocateId(): number {
    const id = this.nextId;
    this.nextId += 1;
    return id;
  }

  private draw(
    kind: PartitionKind,
    startStep: number,
    endStep: number,
    nodeIds: readonly NodeId[],
  ): Partition {
    const id = this.allocateId();
    const shuffled = this.shuffle(nodeIds);
    const cut = new Set<string>();
    let description: string;
    let flapPeriodSteps = 0;
    if (kind === 'isolate') {
      const isolated = shuffled[0]!;
      for (const other of shuffled.slice(1)) {
        cut.add(link(isolated, other));
        cut.add(link(other, isolated));
      }
      description = `isolate ${isolated}`;
    } else if (kind === 'one-way') {
      const from = shuffled[0]!;
      const targets = shuffled.slice(1, 2 + this.random.nextInt(shuffled.length - 1));
      for (const to of targets) cut.add(link(from, to));
      description = `one-way ${from} -/-> {${targets.join(',')}}`;
    } else {
      const sideSize = 1 + this.random.nextInt(Math.max(1, Math.floor(shuffled.length / 2)));
      const side = shuffled.slice(0, sideSize);
      const rest = shuffled.slice(sideSize);
      for (const a of side) {
        for (const b of rest) {
          cut.add(link(a, b));
          cut.add(link(b, a));
        }
      }
      if (kind === 'flapping')
        flapPeriodSteps = 1 + this.random.nextInt(Math.max(1, (endStep - startStep) >> 2));
      description = `${kind} {${side.join(',')}}|{${rest.join(',')}}${flapPeriodSteps > 0 ? ` every ${flapPeriodSteps} steps` : ''}`;
    }
    return { id, kind, startStep, endStep, cutLinks: cut, flapPeriodSteps, description };
  }

  private shuffle(nodeIds: readonly NodeId[]): NodeId[] {
    const result = [...nodeIds];
    for (let i = result.length - 1; i > 0; i -= 1) {
      const j = this.random.nextInt(i + 1);
      [result[i], result[j]] = [result[j]!, result[i]!];
    }
    return result;
  }
}

/** A steady or flapping partition cutting exactly `links` (each `[from, to]`), for tests and replays. */
export function partitionOf(
  id: number,
  kind: PartitionKind,
  startStep: number,
  endStep: number,
  links: ReadonlyArray<readonly [NodeId, NodeId]>,
  flapPeriodSteps = 0,
): Partition {
  const cutLinks = new Set(links.map(([from, to]) => link(from, to)));
  return { id, kind, startStep, endStep, cutLinks, flapPeriodSteps, description: `${kind} #${id}` };
}
