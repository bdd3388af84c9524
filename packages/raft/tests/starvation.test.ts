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
function establishedCluster(config: { starvationCheck?: boolean } = {}): TestCluster {
  const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'], config });
  cluster.elect('n1');
  cluster.tick(['n1'], 2);
  expect(cluster.raft('n1').status().commitIndex).toBe(cluster.raft('n1').status().lastIndex);
  return cluster;
}

describe('starvation check: a leader that cannot get its entries committed gives up', () => {
  it('fires for a starved leader: TimeoutNow to a caught-up voter, step down, a new leader', () => {
    const cluster = establishedCluster();
    cluster.filter = starveEntriesFrom('n1');
    expect(cluster.propose('n1', 'stuck').accepted).toBe(true);
    // The entry is stamped at the first tick after its append; it has waited a timeout 10 ticks later.
    cluster.tick(['n1'], electionTicks);
    expect(cluster.leaders()).toEqual(['n1']);
    const sentBefore = cluster.sent.length;
    cluster.tick(['n1'], 1);
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
    cluster.tick(['n1'], electionTicks + 1);
    expect(cluster.raft('n1').status().role).toBe('follower');
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

  it('does not fire for a slow but progressing quorum (acknowledgements late by most of a timeout)', () => {
    const cluster = establishedCluster();
    const lagTicks = electionTicks - 2;
    let now = 0;
    const held: Array<{ readonly at: number; readonly message: Message }> = [];
    const holdAnswers = (message: Message): boolean => {
      if (message.type !== 'AppendEntriesResponse' || message.to !== 'n1') return true;
      held.push({ at: now + lagTicks, message });
      return false;
    };
    cluster.filter = holdAnswers;
    for (now = 1; now <= 6 * electionTicks; now += 1) {
      cluster.propose('n1', `v${now}`);
      cluster.filter = null;
      while (held.length > 0 && held[0]!.at <= now) cluster.deliver(held.shift()!.message);
      cluster.filter = holdAnswers;
      cluster.tick(['n1'], 1);
    }
    expect(cluster.leaders()).toEqual(['n1']);
    const { commitIndex, lastIndex } = cluster.raft('n1').status();
    expect(commitIndex).toBeGreaterThan(lastIndex - 2 * electionTicks);
    expect(cluster.values('n1').length).toBeGreaterThan(4 * electionTicks);
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
  it('measures the oldest uncommitted entry, forgets committed ones, and keeps few samples', () => {
    const watch = new StarvationWatch(5);
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

  it('holds campaigns for exactly the given number of ticks', () => {
    const watch = new StarvationWatch(5);
    watch.holdCampaigns(3);
    expect([1, 2, 3, 4].map(() => watch.tickCampaignHold())).toEqual([true, true, true, false]);
  });
});
