// The logical clock: simulation steps are the only time. Each node ticks once per its own period,
// stepsPerTick scaled by a seed-drawn skew (so clocks drift apart), from a seed-drawn phase.
import type { NodeId, SeededPrng } from '@raftkv/raft';

interface NodeClock {
  readonly periodSteps: number;
  /** The step at or after which the next tick is due. */
  nextTickStep: number;
}

export class SimulatedClock {
  private readonly clocks = new Map<NodeId, NodeClock>();

  constructor(
    private readonly random: SeededPrng,
    private readonly stepsPerTick: number,
    /** Each node's period is stepsPerTick · (1 + s) for s drawn uniformly in [-tickSkew, tickSkew]. */
    private readonly tickSkew: number,
  ) {}

  /** Gives `id` its own tick period and phase. */
  register(id: NodeId): void {
    if (this.clocks.has(id)) return;
    const skew = (this.random.nextFloat() * 2 - 1) * this.tickSkew;
    const periodSteps = Math.max(1, this.stepsPerTick * (1 + skew));
    this.clocks.set(id, { periodSteps, nextTickStep: this.random.nextFloat() * periodSteps });
  }

  periodStepsOf(id: NodeId): number {
    return this.clocks.get(id)?.periodSteps ?? this.stepsPerTick;
  }

  /**
   * Whether `id` ticks at `step`; consumes the tick. Call once per step per running node: ticks
   * that fall due while a node is down are skipped, not replayed in a burst.
   */
  takeTick(id: NodeId, step: number): boolean {
    const clock = this.clocks.get(id);
    if (clock === undefined || step < clock.nextTickStep) return false;
    while (clock.nextTickStep <= step) clock.nextTickStep += clock.periodSteps;
    return true;
  }
}
