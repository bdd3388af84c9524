// The starvation check (RaftConfig.starvationCheck): a leader whose entries wait an election timeout
// for a quorum hands over with TimeoutNow (thesis §3.10) and holds back its own campaigns; a healthy,
// idle, slow-but-progressing or reconfiguring leader keeps leading. Check-quorum (thesis §6.2) alone
// misses the starved leader: its heartbeats still get answers.
import { describe, expect, it } from 'vitest';
import type { Message } from '../src/index.js';
import { StarvationWatch } from '../src/internal/starvation-watch.js';
import { id, TestCluster } from './harness.js';

const electionTicks = 10;

/** Entry-carrying AppendEntries from `leader` are lost; heartbeats and every answer pass. */
const starveEntriesFrom =
  (leader: string) =>
  (message: Message): boolean =>
    !(message.type === 'AppendEntries' && message.from === leader && message.entries.length > 0);

/** A leader that committed its no-op, with n2 and n3 following. */
function establishedCluster(
  config: { starvationCheck?: boolean; starvationLagTicks?: number } = {},
): TestCluster {
  const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'], config });
  cluster.elect('n1');
  cluster.tick(['n1'], 2);
  expect(cluster.raft('n1').status().commitIndex).toBe(cluster.raft('n1').status().lastIndex);
  return cluster;
}

/** Ticks n1 alone until it stops leading (at most `limit` ticks); returns how many ticks that took. */
function ticksUntilNotLeading(cluster: TestCluster, limit: number): number {
  for (let ticks = 1; ticks <= limit; ticks += 1) {
    cluster.tick(['n1'], 1);
    if (cluster.raft('n1').status().role !== 'leader') return ticks;
  }
  return Number.POSITIVE_INFINITY;
}

describe('starvation check: a leader that cannot get its entries committed gives up', () => {
  it('fires for a starved leader: TimeoutNow to a caught-up voter, step down, a new leader', () => {
    const cluster = establishedCluster();
    cluster.filter = starveEntriesFrom('n1');
    expect(cluster.propose('n1', 'stuck').accepted).toBe(true);
    const sentBefore = cluster.sent.length;
    // The entry lags from the second tick on; 4 lagging ticks of 10 give the leader up.
    const ticks = ticksUntilNotLeading(cluster, electionTicks + 1);
    expect(ticks).toBeGreaterThanOrEqual(1 + (2 * electionTicks) / 5);
    expect(ticks).toBeLessThanOrEqual(electionTicks);
    const timeoutNows = cluster.sent.slice(sentBefore).filter((message) => message.type === 'TimeoutNow');
    expect(timeoutNows.map((message) => message.from)).toEqual(['n1']);
    const target = timeoutNows[0]!.to;
    expect(['n2', 'n3']).toContain(target);
    expect(cluster.leaders()).toEqual([target]);
    expect(cluster.raft('n1').status().role).toBe('follower');
  });

  it('check-quorum alone keeps the starved leader (the switch off changes nothing else)', () => {
    const cluster = establishedCluster({ starvationCheck: false });
    cluster.filter = starveEntriesFrom('n1');
    cluster.propose('n1', 'stuck');
    cluster.tick(['n1'], 5 * electionTicks);
    expect(cluster.leaders()).toEqual(['n1']);
    expect(cluster.sent.some((message) => message.type === 'TimeoutNow')).toBe(false);
  });

  it('the old leader starts no campaign of its own for two election timeouts', () => {
    const cluster = establishedCluster();
    cluster.filter = starveEntriesFrom('n1');
    cluster.propose('n1', 'stuck');
    cluster.isolate('n2');
    cluster.isolate('n3');
    expect(ticksUntilNotLeading(cluster, electionTicks + 1)).toBeLessThanOrEqual(electionTicks);
    const sentBefore = cluster.sent.length;
    // Its randomized timeout is under 2 election timeouts, so without the hold it would campaign here.
    cluster.tick(['n1'], 2 * electionTicks);
    const campaigns = cluster.sent
      .slice(sentBefore)
      .filter((message) => message.type === 'RequestVote' && message.from === 'n1');
    expect(campaigns).toEqual([]);
    cluster.tick(['n1'], 2 * electionTicks);
    expect(cluster.sent.slice(sentBefore).some((message) => message.type === 'RequestVote')).toBe(true);
  });

  it('does not fire for a healthy leader under load', () => {
    const cluster = establishedCluster();
    for (let tick = 0; tick < 6 * electionTicks; tick += 1) {
      for (let proposal = 0; proposal < 3; proposal += 1) cluster.propose('n1', `v${tick}.${proposal}`);
      cluster.tick(['n1'], 1);
    }
    expect(cluster.leaders()).toEqual(['n1']);
    expect(cluster.values('n2')).toHaveLength(18 * electionTicks);
  });

  it('does not fire for an idle leader', () => {
    const cluster = establishedCluster();
    cluster.tick(['n1'], 6 * electionTicks);
    expect(cluster.leaders()).toEqual(['n1']);
    expect(cluster.sent.some((message) => message.type === 'TimeoutNow')).toBe(false);
  });

  /**
   * Proposes one entry per tick for `ticks` ticks while n1's acknowledgements are held back
   * `lagOf(tick)` ticks (0: delivered at once); returns the ticks at which n1 had stopped leading.
   */
  function runWithLateAnswers(
    cluster: TestCluster,
    ticks: number,
    lagOf: (tick: number) => number,
  ): number[] {
    let now = 0;
    const held: Array<{ readonly at: number; readonly message: Message }> = [];
    const holdAnswers = (message: Message): boolean => {
      if (message.type !== 'AppendEntriesResponse' || message.to !== 'n1') return true;
      const lag = lagOf(now);
      if (lag === 0) return true;
      held.push({ at: now + lag, message });
      return false;
    };
    const notLeading: number[] = [];
    for (now = 1; now <= ticks; now += 1) {
      cluster.propose('n1', `v${now}`);
      cluster.filter = null;
      held.sort((a, b) => a.at - b.at);
      while (held.length > 0 && held[0]!.at <= now) cluster.deliver(held.shift()!.message);
      cluster.filter = holdAnswers;
      cluster.tick(['n1'], 1);
      if (cluster.raft('n1').status().role !== 'leader') notLeading.push(now);
    }
    cluster.filter = null;
    return notLeading;
  }

  it('fires when every entry commits, but each one late, for a whole election timeout (a throttled leader)', () => {
    const cluster = establishedCluster();
    const notLeading = runWithLateAnswers(cluster, 3 * electionTicks, () => 3);
    expect(notLeading.length).toBeGreaterThan(0);
    // Lagging from the first ticks on: it gives up after about one election timeout of it.
    expect(notLeading[0]).toBeLessThanOrEqual(electionTicks + 4);
    expect(cluster.sent.some((message) => message.type === 'TimeoutNow' && message.from === 'n1')).toBe(true);
  });

  it('does not fire for a slow but progressing quorum (answers within the lag bound)', () => {
    const cluster = establishedCluster({ starvationLagTicks: 3 });
    expect(runWithLateAnswers(cluster, 6 * electionTicks, () => 2)).toEqual([]);
    const { commitIndex, lastIndex } = cluster.raft('n1').status();
    expect(commitIndex).toBeGreaterThanOrEqual(lastIndex - 3);
    expect(cluster.values('n1').length).toBeGreaterThan(5 * electionTicks);
  });

  it('does not fire for stalls that recover in between (lag at fewer than two fifths of the ticks)', () => {
    const cluster = establishedCluster();
    // In each period of 12 ticks answers are held 4 ticks, then flow freely for 8.
    const notLeading = runWithLateAnswers(cluster, 6 * electionTicks, (tick) =>
      tick % 12 < 4 ? 4 - (tick % 12) : 0,
    );
    expect(notLeading).toEqual([]);
    expect(cluster.values('n1').length).toBeGreaterThan(5 * electionTicks);
  });

  it('does not fire while a membership change is uncommitted', () => {
    const cluster = establishedCluster();
    cluster.filter = starveEntriesFrom('n1');
    expect(
      cluster.raft('n1').changeMembership({ type: 'addLearner', id: id('n4'), address: 'n4' }).accepted,
    ).toBe(true);
    cluster.propose('n1', 'behind-the-change');
    cluster.tick(['n1'], 4 * electionTicks);
    expect(cluster.leaders()).toEqual(['n1']);
    expect(cluster.sent.some((message) => message.type === 'TimeoutNow')).toBe(false);
  });

  it('does not fire before the leader committed in its term (it may be catching followers up)', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.filter = starveEntriesFrom('n1');
    cluster.elect('n1');
    cluster.tick(['n1'], 4 * electionTicks);
    expect(cluster.leaders()).toEqual(['n1']);
    expect(cluster.raft('n1').status().commitIndex).toBeLessThan(cluster.raft('n1').status().lastIndex);
  });
});

describe('StarvationWatch', () => {
  it('fires when the oldest uncommitted entry waited a window, forgets committed ones, keeps few samples', () => {
    // A lag bound as long as the window: only the age rule can fire.
    const watch = new StarvationWatch(5, 5);
    expect(watch.onLeaderTick(10, 10)).toBe(false);
    expect(watch.samples).toBe(0);
    for (let tick = 1; tick <= 4; tick += 1) expect(watch.onLeaderTick(10 + tick, 10 + tick - 1)).toBe(false);
    expect(watch.samples).toBe(1);
    for (let tick = 0; tick < 4; tick += 1) expect(watch.onLeaderTick(20 + tick, 14)).toBe(false);
    expect(watch.samples).toBe(4);
    expect(watch.onLeaderTick(30, 14)).toBe(false);
    expect(watch.onLeaderTick(30, 14)).toBe(true);
    expect(watch.samples).toBe(0);
  });

  it('fires once two fifths of a whole window of ticks found an entry at least the lag old, not before', () => {
    const watch = new StarvationWatch(4, 2);
    // One entry per tick, each committed three ticks after its tick: from tick 3 the oldest is 2 old.
    const verdicts: boolean[] = [];
    for (let tick = 1; tick <= 8; tick += 1) {
      verdicts.push(watch.onLeaderTick(100 + tick, 100 + Math.max(0, tick - 3)));
    }
    // Tick 4 completes the first window, with ticks 3 and 4 lagging; the window starts afresh at
    // tick 5 and, the lag going on, fires again at its end.
    expect(verdicts).toEqual([false, false, false, true, false, false, false, true]);
    // Committed two ticks after: the oldest is 1 tick old, under the lag, however long it goes on.
    const relaxed = new StarvationWatch(4, 2);
    for (let tick = 1; tick <= 20; tick += 1) {
      expect(relaxed.onLeaderTick(100 + tick, 100 + Math.max(0, tick - 2))).toBe(false);
    }
  });

  it('holds campaigns for exactly the given number of ticks', () => {
    const watch = new StarvationWatch(5, 1);
    watch.holdCampaigns(3);
    expect([1, 2, 3, 4].map(() => watch.tickCampaignHold())).toEqual([true, true, true, false]);
  });
});
