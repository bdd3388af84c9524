// Gray-failure detection for a leader that still hears its quorum but cannot feed it: how long its
// oldest uncommitted entry has waited, in ticks, and the hold that keeps it from re-campaigning after
// it gave up. Pure bookkeeping; raft-node.ts decides when it applies and what giving up does.
import type { LogIndex } from '../types.js';

/**
 * Check-quorum (thesis §6.2) only asks whether a quorum answered within an election timeout; a
 * leader whose outbound links are throttled still gets answers, so it keeps leading while almost
 * nothing commits. This watch measures how well the quorum is fed instead: the age of the oldest
 * entry the leader appended that is not committed yet. It fires when
 *  - that entry has waited `windowTicks` (an election timeout): commitment stalled; or
 *  - at two fifths or more of the last `windowTicks` ticks, the oldest uncommitted entry had waited
 *    at least `lagTicks` (half a heartbeat interval in raftkvd): the quorum's acknowledgements keep
 *    lagging. A throttled leader under load looks like this: every entry commits, each one late,
 *    and throughput collapses. Its lag is bursty, so lagging ticks are counted, not required in a
 *    run: in 5-node chaos runs at 256 kbit/s, 4–10 of every 10 heartbeat intervals had a write
 *    pending over 100 ms, in quiet stretches at most 3 (seen from the clients).
 * A few late entries, or lag at fewer than two fifths of the ticks, do not fire; nor does an idle leader.
 *
 * Entries are stamped per tick: at every leader tick the last index is sampled if it grew, so an
 * entry's age counts the ticks since the first tick at or after its append (an age of a ticks means
 * it has waited at least a tick intervals). At most `windowTicks + 1` samples are kept: the watch
 * fires before more pile up.
 */
export class StarvationWatch {
  /** Pairs (last index at that tick, tick) in increasing order, all above the commit index. */
  private readonly sampledIndexes: LogIndex[] = [];
  private readonly sampledTicks: number[] = [];
  private ticks = 0;
  /** Per tick of the last `windowTicks` (a ring): whether the oldest entry had waited `lagTicks`. */
  private readonly lagging: boolean[];
  private laggingCount = 0;
  /** Ticks measured since the window was last cleared (the lag rule needs a whole window). */
  private observedTicks = 0;
  private campaignHoldTicks = 0;

  constructor(
    private readonly windowTicks: number,
    private readonly lagTicks: number,
  ) {
    this.lagging = new Array<boolean>(windowTicks).fill(false);
  }

  /**
   * One leader tick while the watch applies. Returns true when the leader is starved (see the class
   * comment); the window is then cleared.
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
    const age = oldestTick === undefined ? 0 : this.ticks - oldestTick;
    const slot = this.ticks % this.windowTicks;
    const lagging = oldestTick !== undefined && age >= this.lagTicks;
    this.laggingCount += (lagging ? 1 : 0) - (this.lagging[slot]! ? 1 : 0);
    this.lagging[slot] = lagging;
    this.observedTicks += 1;
    const lagged = this.observedTicks >= this.windowTicks && 5 * this.laggingCount >= 2 * this.windowTicks;
    if (age < this.windowTicks && !lagged) return false;
    this.clearWindow();
    return true;
  }

  /** Forgets every sample: the next measurement starts afresh (a new term, or a pause of the watch). */
  clearWindow(): void {
    this.sampledIndexes.length = 0;
    this.sampledTicks.length = 0;
    this.lagging.fill(false);
    this.laggingCount = 0;
    this.observedTicks = 0;
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
