// Drives the synchronous RaftActor from Node's event loop. Every delivered event schedules a turn with
// setImmediate (at most one scheduled); a turn batch runs runTurn() while there is work, bounded, then
// yields to I/O. Everything that arrived since the last batch shares one persist (one fsync): this is
// the group commit (thesis §10.2.1). It never re-enters the actor from inside a turn.

/** Turns run back to back before yielding to I/O, so sockets and timers are never starved. */
export const turnsPerBatchMax = 64;

export interface TurnTarget {
  hasWork(): boolean;
  runTurn(): boolean;
}

export class TurnLoop {
  private scheduled: NodeJS.Immediate | null = null;
  private stopped = false;

  constructor(
    private readonly target: TurnTarget,
    /** Runs after each batch (peer map, promotions, ...); not called after a failure. */
    private readonly afterBatch: () => void,
    /** A turn threw (storage failure or assertion): the process must crash-stop, never continue. */
    private readonly onFailure: (error: unknown) => void,
  ) {}

  schedule(): void {
    if (this.scheduled !== null || this.stopped) return;
    this.scheduled = setImmediate(() => this.runBatch());
  }

  stop(): void {
    this.stopped = true;
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
  }

  private runBatch(): void {
    this.scheduled = null;
    if (this.stopped) return;
    try {
      for (let turns = 0; turns < turnsPerBatchMax && this.target.hasWork(); turns += 1)
        this.target.runTurn();
    } catch (error) {
      // A failed persist leaves the actor mid-Ready: it must never run again (crash-stop).
      this.stop();
      this.onFailure(error);
      return;
    }
    this.afterBatch();
    if (this.target.hasWork()) this.schedule();
  }
}
