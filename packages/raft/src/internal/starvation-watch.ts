// Gray-failure detection for a leader that still hears its quorum but cannot feed it: how long its
// oldest uncommitted entry has waited, in ticks, and the hold that keeps it from re-campaigning after
// it gave up. Pure bookkeeping; raft-node.ts decides when it applies and what giving up does.
import type { LogIndex } from '../types.js';

/**
 * Check-quorum (thesis §6.2) only asks whether a quorum answered within an election timeout; a
 * leader whose outbound links are throttled still gets answers, so it keeps leading while almost
 * nothing commits. This watch measures throughput instead: the age of the oldest entry the leader
 * appended that is not committed yet. When that entry has waited `thresholdTicks`, the quorum's
 * acknowledgements lag that long (or commitment stalled) and the leader should hand over.
 *
 * Entries are stamped per tick: at every leader tick the last index is sampled if it grew, so an
 * entry's age is measured from the first tick at or after its append (under by less than a tick).
 * The samples above commitIndex are at most `thresholdTicks + 1`: the watch fires before more pile up.
 */
export class StarvationWatch {
  /** Pairs (last index at that tick, tick) in increasing order, all above the commit index. */
  private readonly sampledIndexes: LogIndex[] = [];
  private readonly sampledTicks: number[] = [];
  private ticks = 0;
  private campaignHoldTicks = 0;

  constructor(private readonly thresholdTicks: number) {}

  /**
   * One leader tick while the watch applies. Returns true when the oldest uncommitted entry has
   * waited `thresholdTicks` (the window is then cleared).
   */
  onLeaderTick(lastIndex: LogIndex, commitIndex: LogIndex): boolean {
    this.ticks += 1;
    let committed = 0;
    while (committed < this.sampledIndexes.length && this.sampledIndexes[committed]! <= commitIndex)
      committed += 1;
    if (committed > 0) {
      this.sampledIndexes.splice(0, committed);
      this.sampledTicks.splice(0, committed);
    }
    const newest = this.sampledIndexes[this.sampledIndexes.length - 1] ?? commitIndex;
    if (lastIndex > newest) {
      this.sampledIndexes.push(lastIndex);
      this.sampledTicks.push(this.ticks);
    }
    const oldestTick = this.sampledTicks[0];
    if (oldestTick === undefined || this.ticks - oldestTick < this.thresholdTicks) return false;
    this.clearWindow();
    return true;
  }

  /** Forgets every sample: the next measurement starts afresh (a new term, or a pause of the watch). */
  clearWindow(): void {
    this.sampledIndexes.length = 0;
    this.sampledTicks.length = 0;
  }

  /** How many entries' append ticks are remembered (for tests of the bound). */
  get samples(): number {
    return this.sampledIndexes.length;
  }

  /** After giving up: do not start a campaign on the election timer for `ticks` ticks. */
  holdCampaigns(ticks: number): void {
    this.campaignHoldTicks = ticks;
  }

  /** One non-leader tick: true while campaigns on the election timer are still held back. */
  tickCampaignHold(): boolean {
    if (this.campaignHoldTicks === 0) return false;
    this.campaignHoldTicks -= 1;
    return true;
  }
}
