// Paper-clause tests for leader election: paper §5.2, §5.4.1, §8; thesis §9.6 (pre-vote), §4.2.3
// (disruption guard), §6.2 (check-quorum).
import { afterEach, describe, expect, it } from 'vitest';
import type { Message, RequestVote, RequestVoteResponse } from '../src/index.js';
import { setBrokenVariant } from '../src/testing.js';
import { commands, heartbeat, id, SoloNode, TestCluster } from './harness.js';

afterEach(() => setBrokenVariant(null));

const requestVote = (
  fields: Partial<RequestVote> & Pick<RequestVote, 'from' | 'to' | 'term'>,
): RequestVote => ({
  type: 'RequestVote',
  lastLogIndex: 1,
  lastLogTerm: 1,
  preVote: false,
  leadershipTransfer: false,
  ...fields,
});

const voteResponses = (messages: readonly Message[]): RequestVoteResponse[] =>
  messages.filter((message): message is RequestVoteResponse => message.type === 'RequestVoteResponse');

describe('election basics (§5.2)', () => {
  it('a 3-node cluster elects one leader and commits a proposal on all nodes (§5.2, §5.3)', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    expect(cluster.leaders()).toEqual(['n1']);
    expect(cluster.propose('n1', 'x=1').accepted).toBe(true);
    cluster.process();
    for (const node of ['n1', 'n2', 'n3']) expect(cluster.values(node)).toEqual(['x=1']);
    expect(cluster.raft('n2').status().leaderId).toBe('n1');
  });

  it('election timeouts are drawn at random in [electionTimeoutTicks, 2·electionTimeoutTicks) (§5.2)', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 40; seed += 1) {
      const node = new SoloNode('n1', { voters: ['n1', 'n2', 'n3'], seed, config: { preVote: false } });
      const ticks = node.ticksUntilCampaign();
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
      seen.add(ticks);
    }
    expect(seen.size).toBeGreaterThan(4);
  });

  it('a candidate increments its term, votes for itself and asks every other voter (§5.2)', () => {
    const node = new SoloNode('n1', {
      voters: ['n1', 'n2', 'n3'],
      learners: ['n4'],
      config: { preVote: false },
    });
    node.ticksUntilCampaign();
    const ready = node.cycle();
    expect(ready.hardState).toMatchObject({ term: 2, votedFor: 'n1' });
    const requests = ready.messages.filter((message) => message.type === 'RequestVote');
    expect(requests.map((message) => message.to).sort()).toEqual(['n2', 'n3']);
    expect(requests.every((message) => message.term === 2)).toBe(true);
  });

  it('a single-voter cluster elects itself and commits without peers (§5.2)', () => {
    const cluster = new TestCluster({ voters: ['n1'] });
    cluster.elect('n1');
    cluster.propose('n1', 'solo');
    cluster.process();
    expect(cluster.values('n1')).toEqual(['solo']);
  });

  it('the leader appends an empty no-op entry of its term on election (§8)', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    const storage = cluster.node('n1').storage;
    const last = storage.entries(storage.lastIndex(), storage.lastIndex() + 1, 1e9)[0]!;
    expect(last.kind).toBe('command');
    expect(last.term).toBe(cluster.raft('n1').status().term);
    expect(last.kind === 'command' && last.data.byteLength).toBe(0);
    expect(cluster.raft('n3').status().commitIndex).toBe(last.index);
  });

  it('learners never campaign (thesis §4.2.1)', () => {
    const node = new SoloNode('n4', { voters: ['n1', 'n2', 'n3'], learners: ['n4'] });
    for (let tick = 0; tick < 100; tick += 1) node.raft.tick();
    expect(node.raft.status().role).toBe('follower');
    expect(node.messages()).toEqual([]);
  });

  it('a node not in its configuration never campaigns (removed, thesis §4.2.2)', () => {
    const node = new SoloNode('n9', { voters: ['n1', 'n2', 'n3'] });
    for (let tick = 0; tick < 100; tick += 1) node.raft.tick();
    expect(node.raft.status().role).toBe('follower');
  });

  it('a candidate that hears AppendEntries from a leader of its term becomes follower (§5.2)', () => {
    const node = new SoloNode('n1', { voters: ['n1', 'n2', 'n3'], config: { preVote: false } });
    node.ticksUntilCampaign();
    node.cycle();
    node.step(heartbeat('n2', 'n1', 2));
    expect(node.raft.status()).toMatchObject({ role: 'follower', term: 2, leaderId: 'n2' });
  });

  it('a message with a higher term makes any node follower in that term (§5.1)', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'], config: { checkQuorum: false } });
    cluster.elect('n1');
    cluster.raft('n1').step(heartbeat('n2', 'n1', 9));
    expect(cluster.raft('n1').status()).toMatchObject({ role: 'follower', term: 9, leaderId: 'n2' });
  });
});

describe('one vote per term (§5.2)', () => {
  it('grants one vote per term and refuses a second candidate in that term', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'] });
    node.step(requestVote({ from: id('n1'), to: id('n2'), term: 5 }));
    node.step(requestVote({ from: id('n3'), to: id('n2'), term: 5 }));
    const ready = node.cycle();
    expect(ready.hardState).toMatchObject({ term: 5, votedFor: 'n1' });
    expect(voteResponses(ready.messages).map((r) => [r.to, r.voteGranted])).toEqual([
      ['n1', true],
      ['n3', false],
    ]);
  });

  it('answers the same candidate again (a retried RequestVote) with a grant', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'] });
    node.step(requestVote({ from: id('n1'), to: id('n2'), term: 5 }));
    node.step(requestVote({ from: id('n1'), to: id('n2'), term: 5 }));
    expect(voteResponses(node.messages()).map((r) => r.voteGranted)).toEqual([true, true]);
  });

  it('the vote survives a restart because it is in hardState (paper fig. 2)', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'] });
    node.step(requestVote({ from: id('n1'), to: id('n2'), term: 5 }));
    node.cycle();
    node.restart();
    node.step(requestVote({ from: id('n3'), to: id('n2'), term: 5 }));
    expect(voteResponses(node.messages()).map((r) => r.voteGranted)).toEqual([false]);
  });

  it("broken variant 'grant-two-votes-per-term' grants a second vote in the same term", () => {
    setBrokenVariant('grant-two-votes-per-term');
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'] });
    node.step(requestVote({ from: id('n1'), to: id('n2'), term: 5 }));
    node.step(requestVote({ from: id('n3'), to: id('n2'), term: 5 }));
    expect(voteResponses(node.messages()).map((r) => r.voteGranted)).toEqual([true, true]);
  });
});

describe('log up-to-date check (§5.4.1)', () => {
  const voter = () => new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], entries: commands(2, [2, 2, 3]) });

  it('rejects a candidate whose last term is lower', () => {
    const node = voter();
    node.step(requestVote({ from: id('n1'), to: id('n2'), term: 5, lastLogIndex: 9, lastLogTerm: 2 }));
    expect(voteResponses(node.messages())[0]!.voteGranted).toBe(false);
  });

  it('rejects a candidate with the same last term but a shorter log', () => {
    const node = voter();
    node.step(requestVote({ from: id('n1'), to: id('n2'), term: 5, lastLogIndex: 3, lastLogTerm: 3 }));
    expect(voteResponses(node.messages())[0]!.voteGranted).toBe(false);
  });

  it('grants a candidate whose log is at least as up-to-date', () => {
    for (const [lastLogIndex, lastLogTerm] of [
      [4, 3],
      [2, 4],
    ] as const) {
      const node = voter();
      node.step(requestVote({ from: id('n1'), to: id('n2'), term: 5, lastLogIndex, lastLogTerm }));
      expect(voteResponses(node.messages())[0]!.voteGranted).toBe(true);
    }
  });

  it("broken variant 'skip-log-up-to-date-check' grants a candidate with a stale log", () => {
    setBrokenVariant('skip-log-up-to-date-check');
    const node = voter();
    node.step(requestVote({ from: id('n1'), to: id('n2'), term: 5, lastLogIndex: 1, lastLogTerm: 1 }));
    expect(voteResponses(node.messages())[0]!.voteGranted).toBe(true);
  });

  it('a node with a stale log cannot win an election (§5.4.1)', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.isolate('n3');
    cluster.propose('n1', 'a');
    cluster.process();
    cluster.heal();
    cluster.tick(['n3'], 60);
    expect(cluster.raft('n3').status().role).not.toBe('leader');
    expect(cluster.leaders()).toEqual(['n1']);
  });
});

describe('pre-vote (thesis §9.6)', () => {
  it('a pre-candidate asks for term+1 without changing its own term or vote', () => {
    const node = new SoloNode('n1', { voters: ['n1', 'n2', 'n3'] });
    node.ticksUntilCampaign();
    const ready = node.cycle();
    expect(node.raft.status()).toMatchObject({ role: 'preCandidate', term: 1, votedFor: null });
    expect(ready.hardState).toBeNull();
    const requests = ready.messages as RequestVote[];
    expect(requests.map((m) => [m.type, m.term, m.preVote])).toEqual([
      ['RequestVote', 2, true],
      ['RequestVote', 2, true],
    ]);
  });

  it('a voter answers a pre-vote without changing its term or vote, with the asked term when granted', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'] });
    node.step(requestVote({ from: id('n1'), to: id('n2'), term: 2, preVote: true }));
    const ready = node.cycle();
    expect(ready.hardState).toBeNull();
    expect(node.raft.status()).toMatchObject({ term: 1, votedFor: null });
    expect(voteResponses(ready.messages)[0]).toMatchObject({ term: 2, voteGranted: true, preVote: true });
  });

  it('becomes candidate only after a pre-vote majority', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    expect(cluster.raft('n1').status().term).toBe(2);
  });

  it('a partitioned node does not bump its term and does not disrupt the leader when it rejoins', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    const term = cluster.raft('n1').status().term;
    cluster.isolate('n3');
    cluster.tick(['n3'], 100);
    expect(cluster.raft('n3').status().term).toBe(term);
    cluster.heal();
    cluster.tick(undefined, 30);
    expect(cluster.leaders()).toEqual(['n1']);
    expect(cluster.raft('n1').status().term).toBe(term);
  });

  it('without pre-vote a partitioned node bumps its term and forces the leader to step down on rejoin', () => {
    const cluster = new TestCluster({
      voters: ['n1', 'n2', 'n3'],
      config: { preVote: false, checkQuorum: false },
    });
    cluster.elect('n1');
    const term = cluster.raft('n1').status().term;
    cluster.isolate('n3');
    cluster.tick(['n3'], 100);
    expect(cluster.raft('n3').status().term).toBeGreaterThan(term + 3);
    cluster.heal();
    cluster.tick(['n3'], 20);
    expect(cluster.raft('n1').status().term).toBeGreaterThan(term + 3);
  });
});

describe('disruption guard (thesis §4.2.3) and check-quorum (thesis §6.2)', () => {
  it('a follower that recently heard from its leader ignores a higher-term RequestVote', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'] });
    node.step(heartbeat('n1', 'n2', 1));
    node.cycle();
    node.step(requestVote({ from: id('n3'), to: id('n2'), term: 7, lastLogIndex: 5, lastLogTerm: 1 }));
    expect(node.messages()).toEqual([]);
    expect(node.raft.status().term).toBe(1);
  });

  it('a RequestVote with leadershipTransfer set overrides the lease (thesis §3.10)', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'] });
    node.step(heartbeat('n1', 'n2', 1));
    node.cycle();
    node.step(
      requestVote({
        from: id('n3'),
        to: id('n2'),
        term: 7,
        lastLogIndex: 5,
        lastLogTerm: 1,
        leadershipTransfer: true,
      }),
    );
    expect(voteResponses(node.messages())[0]!.voteGranted).toBe(true);
    expect(node.raft.status().term).toBe(7);
  });

  it('after an election timeout without the leader, the follower grants again', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], config: { preVote: false } });
    node.step(heartbeat('n1', 'n2', 1));
    node.cycle();
    for (let tick = 0; tick < 10; tick += 1) node.raft.tick();
    node.step(requestVote({ from: id('n3'), to: id('n2'), term: 7, lastLogIndex: 5, lastLogTerm: 1 }));
    expect(voteResponses(node.messages())[0]?.voteGranted).toBe(true);
  });

  it('a leader that has not heard from a quorum for an election timeout steps down', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.isolate('n1');
    cluster.tick(['n1'], 9);
    expect(cluster.raft('n1').status().role).toBe('leader');
    cluster.tick(['n1'], 11);
    expect(cluster.raft('n1').status().role).toBe('follower');
  });

  it('a leader that hears from a quorum keeps leading', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.isolate('n3');
    cluster.tick(['n1', 'n2'], 50);
    expect(cluster.leaders()).toEqual(['n1']);
  });

  it('a stale leader is told the newer term when it sends AppendEntries, and steps down', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'], config: { checkQuorum: false } });
    cluster.elect('n1');
    cluster.isolate('n1');
    cluster.elect('n2');
    cluster.heal();
    cluster.tick(['n1']);
    expect(cluster.raft('n1').status()).toMatchObject({
      role: 'follower',
      term: cluster.raft('n2').status().term,
    });
    expect(cluster.leaders()).toEqual(['n2']);
  });
});
