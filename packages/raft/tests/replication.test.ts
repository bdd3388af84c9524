// Paper-clause tests for log replication and commitment: paper §5.3, §5.4.2 (fig. 8); thesis §10.2
// (batching, pipelining, the leader persisting in parallel), fast backtracking and flow control.
import { afterEach, describe, expect, it } from 'vitest';
import type { AppendEntries, AppendEntriesResponse, Entry, Message } from '../src/index.js';
import { setBrokenVariant } from '../src/testing.js';
import { bytes, commands, id, SoloNode, TestCluster } from './harness.js';

afterEach(() => setBrokenVariant(null));

const appendEntries = (
  fields: Partial<AppendEntries> & Pick<AppendEntries, 'prevLogIndex' | 'prevLogTerm'>,
): AppendEntries => ({
  type: 'AppendEntries',
  term: 3,
  from: id('n1'),
  to: id('n2'),
  entries: [],
  leaderCommit: 0,
  sequence: 4,
  ...fields,
});

const responses = (messages: readonly Message[]): AppendEntriesResponse[] =>
  messages.filter((message): message is AppendEntriesResponse => message.type === 'AppendEntriesResponse');

const appendsTo = (messages: readonly Message[], to: string): AppendEntries[] =>
  messages.filter(
    (message): message is AppendEntries => message.type === 'AppendEntries' && message.to === to,
  );

const termsOf = (node: SoloNode): number[] =>
  node.storage
    .entries(node.storage.firstIndex(), node.storage.lastIndex() + 1, 1e9)
    .map((entry) => entry.term);

/** Gives `node` extra log entries (after the bootstrap entry) and a term, then restarts it. */
function setLog(cluster: TestCluster, node: string, entries: Entry[], term: number): void {
  cluster
    .node(node)
    .storage.persist({ hardState: { term, votedFor: null, commitIndex: 0 }, entries, snapshot: null });
  cluster.restart(node);
}

describe('AppendEntries consistency check (§5.3)', () => {
  const follower = () =>
    new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], entries: commands(2, [1, 2]), term: 3 });

  it('follower rejects AppendEntries on prevLogTerm mismatch, with fast-backtracking hints (§5.3)', () => {
    const node = follower();
    node.step(appendEntries({ prevLogIndex: 3, prevLogTerm: 1, entries: commands(4, [3]) }));
    const [response] = responses(node.messages());
    expect(response).toMatchObject({
      success: false,
      matchIndex: 3,
      lastLogIndex: 3,
      conflictTerm: 2,
      conflictIndex: 3,
    });
    expect(node.storage.lastIndex()).toBe(3);
  });

  it('follower rejects AppendEntries whose prevLogIndex is beyond its log (§5.3)', () => {
    const node = follower();
    node.step(appendEntries({ prevLogIndex: 7, prevLogTerm: 3 }));
    const [response] = responses(node.messages());
    expect(response).toMatchObject({ success: false, matchIndex: 7, lastLogIndex: 3, conflictTerm: 0 });
  });

  it('follower answers every AppendEntries and echoes its sequence', () => {
    const node = follower();
    node.step(appendEntries({ prevLogIndex: 3, prevLogTerm: 2, sequence: 11 }));
    node.step(appendEntries({ prevLogIndex: 9, prevLogTerm: 2, sequence: 12 }));
    expect(responses(node.messages()).map((r) => [r.success, r.sequence])).toEqual([
      [true, 11],
      [false, 12],
    ]);
  });

  it("follower's commitIndex is min(leaderCommit, index of the last new entry) (paper fig. 2)", () => {
    const node = follower();
    node.step(appendEntries({ prevLogIndex: 1, prevLogTerm: 1, entries: commands(2, [1]), leaderCommit: 3 }));
    expect(node.raft.status().commitIndex).toBe(2);
    node.step(appendEntries({ prevLogIndex: 3, prevLogTerm: 2, leaderCommit: 3 }));
    expect(node.raft.status().commitIndex).toBe(3);
  });
});

describe('conflicting entries (§5.3)', () => {
  it('truncates on an actual conflict (same index, different term) and appends the new entries', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], entries: commands(2, [1, 2, 2]), term: 3 });
    node.step(appendEntries({ prevLogIndex: 2, prevLogTerm: 1, entries: commands(3, [3]) }));
    const ready = node.cycle();
    expect(ready.entries.map((entry) => [entry.index, entry.term])).toEqual([[3, 3]]);
    expect(termsOf(node)).toEqual([1, 1, 3]);
    expect(responses(ready.messages)[0]).toMatchObject({ success: true, matchIndex: 3 });
  });

  it('never truncates on a stale or duplicate AppendEntries whose entries it already has', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], entries: commands(2, [2, 2, 3]), term: 3 });
    node.step(appendEntries({ prevLogIndex: 1, prevLogTerm: 1, entries: commands(2, [2, 2]) }));
    const ready = node.cycle();
    expect(ready.entries).toEqual([]);
    expect(termsOf(node)).toEqual([1, 2, 2, 3]);
    expect(responses(ready.messages)[0]).toMatchObject({ success: true, matchIndex: 3 });
  });

  it('advance() keeps unstable entries that were overwritten after ready() (compares index and term)', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], term: 2 });
    node.step(appendEntries({ term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: commands(2, [2, 2]) }));
    const stale = node.raft.ready();
    node.step(
      appendEntries({ term: 3, from: id('n3'), prevLogIndex: 1, prevLogTerm: 1, entries: commands(2, [3]) }),
    );
    node.storage.persist({ hardState: stale.hardState, entries: stale.entries, snapshot: null });
    node.raft.advance(stale);
    const next = node.cycle();
    expect(next.entries.map((entry) => [entry.index, entry.term])).toEqual([[2, 3]]);
    expect(termsOf(node)).toEqual([1, 3]);
  });

  it('ignores malformed AppendEntries (entries with a gap) without answering or changing state', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], term: 3 });
    const gap: Entry[] = [...commands(2, [3]), ...commands(4, [3])];
    node.step(appendEntries({ prevLogIndex: 1, prevLogTerm: 1, entries: gap }));
    const ready = node.cycle();
    expect(responses(ready.messages)).toEqual([]);
    expect(node.storage.lastIndex()).toBe(1);
  });

  it('ignores messages addressed to another node', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], term: 3 });
    node.step(appendEntries({ prevLogIndex: 1, prevLogTerm: 1, to: id('n3'), term: 9 }));
    expect(node.raft.status().term).toBe(3);
    expect(node.messages()).toEqual([]);
  });
});

describe('commitment (§5.4.2, fig. 8)', () => {
  /**
   * n1 holds an entry of term 2 at index 2 that no one else has, and leads in term 4. Index 2
   * reaches a majority while the new term's no-op (index 3) is held back by the network.
   */
  function figure8(): TestCluster {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'], config: { maxMessageEntriesBytes: 1 } });
    setLog(cluster, 'n1', commands(2, [2]), 3);
    // Followers may see the no-op only while they cannot accept it (their probe is rejected).
    cluster.filter = (message) =>
      !(
        message.type === 'AppendEntries' &&
        message.entries.some((entry) => entry.index === 3) &&
        cluster.node(message.to).storage.lastIndex() >= 2
      );
    cluster.elect('n1');
    cluster.tick(undefined, 3);
    return cluster;
  }

  it('a previous-term entry replicated on a majority is not committed by counting replicas', () => {
    const cluster = figure8();
    const leader = cluster.raft('n1').status();
    expect(leader.term).toBe(4);
    expect(leader.progress?.n2?.matchIndex).toBe(2);
    expect(leader.progress?.n3?.matchIndex).toBe(2);
    expect(leader.commitIndex).toBe(0);
    expect(cluster.values('n1')).toEqual([]);
  });

  it('it is committed once an entry of the current term is replicated on a majority', () => {
    const cluster = figure8();
    cluster.filter = null;
    cluster.tick(undefined, 2);
    expect(cluster.raft('n1').status().commitIndex).toBe(3);
    expect(cluster.values('n2')).toEqual(['e2']);
  });

  it("broken variant 'commit-previous-term-by-counting' commits the previous-term entry by counting", () => {
    setBrokenVariant('commit-previous-term-by-counting');
    const cluster = figure8();
    expect(cluster.raft('n1').status().commitIndex).toBe(2);
  });

  it('the leader counts itself only for entries it has persisted (thesis §10.2.1)', () => {
    const cluster = new TestCluster({ voters: ['n1'] });
    cluster.elect('n1');
    const outcome = cluster.propose('n1', 'a');
    expect(outcome.accepted).toBe(true);
    const raft = cluster.raft('n1');
    const before = raft.ready();
    expect(before.entries.map((entry) => entry.index)).toEqual([outcome.accepted ? outcome.index : -1]);
    expect(raft.status().commitIndex).toBeLessThan(outcome.accepted ? outcome.index : 0);
    cluster
      .node('n1')
      .storage.persist({ hardState: before.hardState, entries: before.entries, snapshot: null });
    raft.advance(before);
    expect(raft.status().commitIndex).toBe(outcome.accepted ? outcome.index : -1);
  });
});

describe('applying (§5.3, thesis §3.8)', () => {
  it('hands committed entries to apply only once they are persisted, in order, once each', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], term: 3 });
    node.step(
      appendEntries({ prevLogIndex: 1, prevLogTerm: 1, entries: commands(2, [3, 3]), leaderCommit: 3 }),
    );
    const first = node.cycle();
    expect(first.hardState?.commitIndex).toBe(3);
    expect(first.entries.map((entry) => entry.index)).toEqual([2, 3]);
    expect(first.committedEntries.map((entry) => entry.index)).toEqual([1]);
    const second = node.cycle();
    expect(second.committedEntries.map((entry) => entry.index)).toEqual([2, 3]);
    expect(node.raft.hasReady()).toBe(false);
    expect(node.raft.status().appliedIndex).toBe(3);
  });

  it("broken variant 'apply-before-commit' hands out a persisted entry that is not committed", () => {
    setBrokenVariant('apply-before-commit');
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], term: 3 });
    node.step(appendEntries({ prevLogIndex: 1, prevLogTerm: 1, entries: commands(2, [3]), leaderCommit: 0 }));
    node.cycle();
    const second = node.cycle();
    expect(second.committedEntries.map((entry) => entry.index)).toEqual([2]);
    expect(node.raft.status().commitIndex).toBe(0);
  });

  it('bounds the committed entries of one Ready by maxMessageEntriesBytes', () => {
    const cluster = new TestCluster({ voters: ['n1'], config: { maxMessageEntriesBytes: 1000 } });
    cluster.elect('n1');
    for (let i = 0; i < 100; i += 1) cluster.propose('n1', 'x'.repeat(100));
    const raft = cluster.raft('n1');
    const first = cluster.runReady(cluster.node('n1'));
    expect(first.committedEntries).toEqual([]);
    const second = cluster.runReady(cluster.node('n1'));
    expect(second.committedEntries.length).toBeGreaterThan(0);
    expect(second.committedEntries.length).toBeLessThan(10);
    cluster.process();
    expect(raft.status().appliedIndex).toBe(raft.status().commitIndex);
    expect(cluster.values('n1').length).toBe(100);
  });
});

describe('replication: batching, pipelining, fast backtracking (thesis §10.2, paper §5.3)', () => {
  it('1,000 proposals in one turn leave as one AppendEntries per follower', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    for (let i = 0; i < 1000; i += 1) cluster.propose('n1', `v${i}`);
    const ready = cluster.runReady(cluster.node('n1'));
    for (const follower of ['n2', 'n3']) {
      const appends = appendsTo(ready.messages, follower);
      expect(appends.length).toBe(1);
      expect(appends[0]!.entries.length).toBe(1000);
    }
    cluster.process();
    expect(cluster.values('n3').length).toBe(1000);
  });

  it('each AppendEntries carries at most maxMessageEntriesBytes of entries (at least one)', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2'], config: { maxMessageEntriesBytes: 300 } });
    cluster.elect('n1');
    for (let i = 0; i < 20; i += 1) cluster.propose('n1', 'y'.repeat(100));
    cluster.propose('n1', 'z'.repeat(1000));
    const messages = cluster.runReady(cluster.node('n1')).messages;
    const appends = appendsTo(messages, 'n2');
    expect(appends.every((message) => message.entries.length >= 1)).toBe(true);
    expect(appends.filter((message) => message.entries.length > 2)).toEqual([]);
    cluster.process();
    expect(cluster.values('n2').length).toBe(21);
  });

  it('pipelining respects maxInflightMessages until acknowledgements arrive', () => {
    const cluster = new TestCluster({
      voters: ['n1', 'n2'],
      config: { maxInflightMessages: 3, maxMessageEntriesBytes: 1 },
    });
    cluster.elect('n1');
    expect(cluster.raft('n1').status().progress?.n2?.state).toBe('replicate');
    for (let i = 0; i < 10; i += 1) cluster.propose('n1', `v${i}`);
    const first = appendsTo(cluster.runReady(cluster.node('n1')).messages, 'n2');
    expect(first.length).toBe(3);
    expect(cluster.raft('n1').status().progress?.n2?.inflightMessages).toBe(3);
    cluster.queue = [];
    // Acknowledge the first one only: exactly one more may go.
    cluster.raft('n2').step(first[0]!);
    cluster.runReady(cluster.node('n2'));
    const acknowledgement = cluster.queue.splice(0);
    for (const message of acknowledgement) cluster.raft('n1').step(message);
    expect(appendsTo(cluster.runReady(cluster.node('n1')).messages, 'n2').length).toBe(1);
  });

  it('pipelining respects maxInflightBytes', () => {
    const cluster = new TestCluster({
      voters: ['n1', 'n2'],
      config: { maxInflightBytes: 200, maxMessageEntriesBytes: 1 },
    });
    cluster.elect('n1');
    for (let i = 0; i < 10; i += 1) cluster.propose('n1', 'x'.repeat(76));
    // Each message carries one 100-byte entry: two fill the 200-byte window.
    expect(appendsTo(cluster.runReady(cluster.node('n1')).messages, 'n2').length).toBe(2);
    cluster.process();
    expect(cluster.values('n2').length).toBe(10);
  });

  it('fast backtracking skips a whole conflicting term per round trip (paper §5.3 end)', () => {
    const cluster = new TestCluster({
      voters: ['n1', 'n2', 'n3'],
      config: { maxMessageEntriesBytes: 100_000 },
    });
    const shared = commands(2, Array(50).fill(2));
    setLog(cluster, 'n1', [...shared, ...commands(52, Array(50).fill(4))], 4);
    setLog(cluster, 'n2', [...shared, ...commands(52, Array(50).fill(4))], 4);
    setLog(cluster, 'n3', [...shared, ...commands(52, Array(100).fill(3))], 4);
    cluster.elect('n1');
    const rejections = cluster.sent.filter(
      (message) => message.type === 'AppendEntriesResponse' && message.from === 'n3' && !message.success,
    );
    expect(rejections.length).toBe(1);
    cluster.tick(undefined, 2);
    const n1 = cluster.node('n1').storage;
    const n3 = cluster.node('n3').storage;
    expect(n3.lastIndex()).toBe(n1.lastIndex());
    expect(n3.term(151)).toBeUndefined();
    expect(n3.term(101)).toBe(4);
  });

  it('fast backtracking to a follower with a short log takes one round trip (lastLogIndex hint)', () => {
    const cluster = new TestCluster({
      voters: ['n1', 'n2', 'n3'],
      config: { maxMessageEntriesBytes: 100_000 },
    });
    setLog(cluster, 'n1', commands(2, Array(100).fill(2)), 2);
    setLog(cluster, 'n2', commands(2, Array(100).fill(2)), 2);
    setLog(cluster, 'n3', commands(2, Array(5).fill(2)), 2);
    cluster.elect('n1');
    const rejections = cluster.sent.filter(
      (message) => message.type === 'AppendEntriesResponse' && message.from === 'n3' && !message.success,
    );
    expect(rejections.length).toBe(1);
    expect(cluster.node('n3').storage.lastIndex()).toBe(cluster.node('n1').storage.lastIndex());
  });

  it('recovers when every in-flight AppendEntries to a follower is lost (heartbeat answers unstick it)', () => {
    const cluster = new TestCluster({
      voters: ['n1', 'n2', 'n3'],
      config: { maxInflightMessages: 2, maxMessageEntriesBytes: 1 },
    });
    cluster.elect('n1');
    cluster.filter = (message) =>
      !(message.type === 'AppendEntries' && message.to === 'n3' && message.entries.length > 0);
    for (let i = 0; i < 6; i += 1) cluster.propose('n1', `v${i}`);
    cluster.process();
    cluster.filter = null;
    cluster.tick(undefined, 5);
    expect(cluster.values('n3')).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
  });

  it('heartbeats carry an increasing sequence that followers echo', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2'] });
    cluster.elect('n1');
    const start = cluster.sent.length;
    cluster.tick(['n1'], 3);
    const sent = cluster.sent.slice(start);
    const heartbeats = appendsTo(sent, 'n2').map((message) => message.sequence);
    const echoes = responses(sent).map((message) => message.sequence);
    expect(heartbeats.length).toBe(3);
    expect(heartbeats[1]).toBe(heartbeats[0]! + 1);
    expect(heartbeats[2]).toBe(heartbeats[1]! + 1);
    expect(echoes).toEqual(heartbeats);
  });
});

describe('proposals and flow control', () => {
  it('a non-leader drops proposals with not-leader and a leader hint', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    expect(cluster.propose('n2', 'x')).toEqual({ accepted: false, reason: 'not-leader', leaderHint: 'n1' });
  });

  it('the leader drops proposals beyond maxUncommittedEntriesBytes, and accepts again after commit', () => {
    const cluster = new TestCluster({
      voters: ['n1', 'n2', 'n3'],
      config: { maxUncommittedEntriesBytes: 300 },
    });
    cluster.elect('n1');
    cluster.isolate('n1');
    const value = 'v'.repeat(100);
    expect(cluster.propose('n1', value).accepted).toBe(true);
    expect(cluster.propose('n1', value).accepted).toBe(true);
    expect(cluster.propose('n1', value)).toMatchObject({
      accepted: false,
      reason: 'too-many-uncommitted-entries',
    });
    cluster.heal();
    cluster.tick(['n1'], 2);
    expect(cluster.propose('n1', value).accepted).toBe(true);
  });

  it('accepted proposals report their term and index', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    const { lastIndex, term } = cluster.raft('n1').status();
    expect(cluster.raft('n1').propose(bytes('x'))).toEqual({ accepted: true, term, index: lastIndex + 1 });
  });
});
