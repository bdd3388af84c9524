// Paper-clause tests for linearizable reads with ReadIndex (thesis §6.4): current-term commit first,
// then a quorum echoing a heartbeat round; batched; a stale leader can never confirm; and at a
// follower (thesis §6.4.1): one request per turn to the leader, answered the same way, or abandoned.
import { describe, expect, it } from 'vitest';
import type { AppendEntries } from '../src/index.js';
import { TestCluster } from './harness.js';

describe('ReadIndex (thesis §6.4)', () => {
  it('a read waits until the leader has committed an entry in its term (queued, not dropped)', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.filter = (message) => message.type !== 'AppendEntriesResponse';
    cluster.elect('n1');
    const raft = cluster.raft('n1');
    expect(raft.status().commitIndex).toBe(0);
    expect(raft.readIndex(7)).toEqual({ accepted: true });
    cluster.tick(['n1'], 3);
    expect(cluster.node('n1').readStates).toEqual([]);
    cluster.filter = null;
    cluster.tick(['n1'], 2);
    const commitIndex = raft.status().commitIndex;
    expect(commitIndex).toBe(2);
    expect(cluster.node('n1').readStates).toEqual([{ context: 7, index: commitIndex }]);
  });

  it('a read is confirmed only after a quorum of voters echoes its heartbeat round', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.isolate('n2');
    cluster.isolate('n3');
    cluster.raft('n1').readIndex(1);
    cluster.tick(['n1'], 5);
    expect(cluster.node('n1').readStates).toEqual([]);
    cluster.heal();
    cluster.tick(['n1']);
    expect(cluster.node('n1').readStates).toEqual([
      { context: 1, index: cluster.raft('n1').status().commitIndex },
    ]);
  });

  it("the read index is the leader's commitIndex when the read arrived", () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.propose('n1', 'a');
    cluster.process();
    const commitIndex = cluster.raft('n1').status().commitIndex;
    cluster.raft('n1').readIndex(5);
    cluster.propose('n1', 'b');
    cluster.process();
    expect(cluster.node('n1').readStates).toEqual([{ context: 5, index: commitIndex }]);
  });

  it('reads in one turn share one heartbeat per follower (batched ReadIndex)', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    for (let context = 1; context <= 10; context += 1) cluster.raft('n1').readIndex(context);
    const ready = cluster.runReady(cluster.node('n1'));
    const heartbeats = ready.messages.filter(
      (message): message is AppendEntries => message.type === 'AppendEntries',
    );
    expect(heartbeats.map((message) => message.to).sort()).toEqual(['n2', 'n3']);
    cluster.process();
    expect(cluster.node('n1').readStates.map((read) => read.context)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
  });

  it('a single-voter cluster confirms reads at once (after its current-term commit)', () => {
    const cluster = new TestCluster({ voters: ['n1'], learners: ['n2'] });
    cluster.isolate('n2');
    cluster.elect('n1');
    cluster.raft('n1').readIndex(3);
    cluster.runReady(cluster.node('n1'));
    expect(cluster.node('n1').readStates).toEqual([{ context: 3, index: 2 }]);
  });

  it('a stale leader cannot confirm a read, and drops it when it steps down (role in softState)', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'], config: { checkQuorum: false } });
    cluster.elect('n1');
    cluster.isolate('n1');
    cluster.elect('n2');
    cluster.propose('n2', 'newer');
    cluster.process();
    expect(cluster.raft('n1').status().role).toBe('leader');
    expect(cluster.raft('n1').readIndex(9)).toEqual({ accepted: true });
    cluster.tick(['n1'], 5);
    expect(cluster.node('n1').readStates).toEqual([]);
    cluster.heal();
    cluster.tick(['n1']);
    const n1 = cluster.node('n1');
    expect(n1.readStates).toEqual([]);
    expect(n1.readies.some((ready) => ready.softState?.role === 'follower')).toBe(true);
  });

  it('a node that knows no leader refuses ReadIndex with not-leader', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    expect(cluster.raft('n2').readIndex(1)).toEqual({
      accepted: false,
      reason: 'not-leader',
      leaderHint: null,
    });
  });
});

describe('ReadIndex at a follower (thesis §6.4.1)', () => {
  const readIndexRequests = (cluster: TestCluster, from: string) =>
    cluster.sent.filter((message) => message.type === 'ReadIndex' && message.from === from);

  it("a follower's read gets the leader's commitIndex as its read index", () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.propose('n1', 'a');
    cluster.process();
    const commitIndex = cluster.raft('n1').status().commitIndex;
    expect(cluster.raft('n2').readIndex(4)).toEqual({ accepted: true });
    cluster.process();
    expect(cluster.node('n2').readStates).toEqual([{ context: 4, index: commitIndex }]);
    expect(cluster.node('n1').readStates).toEqual([]);
  });

  it('reads queued in one turn share ONE request to the leader', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    for (let context = 1; context <= 10; context += 1) cluster.raft('n2').readIndex(context);
    cluster.process();
    expect(readIndexRequests(cluster, 'n2')).toHaveLength(1);
    expect(cluster.node('n2').readStates.map((read) => read.context)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    cluster.raft('n2').readIndex(11);
    cluster.process();
    expect(readIndexRequests(cluster, 'n2')).toHaveLength(2);
    expect(cluster.node('n2').readStates.map((read) => read.context)).toContain(11);
  });

  it('the leader answers only after a quorum echoed a heartbeat round begun after the request', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.filter = (message) => message.type !== 'AppendEntriesResponse';
    cluster.raft('n2').readIndex(1);
    cluster.tick(['n1'], 3);
    expect(cluster.sent.some((message) => message.type === 'ReadIndexResponse')).toBe(false);
    expect(cluster.node('n2').readStates).toEqual([]);
    cluster.filter = null;
    cluster.tick(['n1']);
    expect(cluster.node('n2').readStates).toEqual([
      { context: 1, index: cluster.raft('n1').status().commitIndex },
    ]);
  });

  it('the leader answers only once it has committed an entry in its term', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.filter = (message) => message.type !== 'AppendEntriesResponse';
    cluster.elect('n1');
    expect(cluster.raft('n2').status().leaderId).toBe('n1');
    expect(cluster.raft('n1').status().commitIndex).toBe(0);
    cluster.raft('n2').readIndex(1);
    cluster.tick(['n1'], 3);
    expect(cluster.node('n2').readStates).toEqual([]);
    cluster.filter = null;
    cluster.tick(['n1'], 2);
    // The leader's no-op of its term (index 2) is committed before it answers.
    expect(cluster.node('n2').readStates).toEqual([{ context: 1, index: 2 }]);
  });

  it('a request the leader leaves unanswered for an election timeout is abandoned', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.filter = (message) => message.type !== 'ReadIndex';
    cluster.raft('n2').readIndex(1);
    cluster.raft('n2').readIndex(2);
    cluster.process();
    cluster.tick(['n1', 'n2'], 9);
    expect(cluster.node('n2').abandonedReads).toEqual([]);
    cluster.tick(['n1', 'n2']);
    expect(cluster.node('n2').abandonedReads).toEqual([1, 2]);
    expect(cluster.node('n2').readStates).toEqual([]);
  });

  it('a new term abandons the requests to the old leader, and its late answer is ignored', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.filter = (message) => message.type !== 'ReadIndexResponse';
    cluster.raft('n3').readIndex(1);
    cluster.process();
    const request = readIndexRequests(cluster, 'n3')[0];
    if (request?.type !== 'ReadIndex') throw new Error('expected a ReadIndex request');
    const late = cluster.sent.find((message) => message.type === 'ReadIndexResponse');
    if (late === undefined) throw new Error('the leader should have answered');
    cluster.isolate('n1');
    cluster.tick(['n2', 'n3'], 40);
    expect(cluster.raft('n3').status().term).toBeGreaterThan(request.term);
    expect(cluster.node('n3').abandonedReads).toEqual([1]);
    cluster.heal();
    cluster.deliver(late);
    cluster.process();
    expect(cluster.node('n3').readStates).toEqual([]);
  });

  it('an answer from another node than the leader asked, or to an unknown request, is ignored', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.raft('n2').readIndex(1);
    cluster.runReadies();
    const request = cluster.queue.find((message) => message.type === 'ReadIndex');
    if (request?.type !== 'ReadIndex') throw new Error('expected a ReadIndex request');
    const term = cluster.raft('n1').status().term;
    const answer = { type: 'ReadIndexResponse', term, to: request.from, index: 0 } as const;
    cluster.raft('n2').step({ ...answer, from: request.to, request: request.request + 1 });
    cluster.raft('n2').step({ ...answer, from: cluster.raft('n3').status().id, request: request.request });
    cluster.runReadies();
    expect(cluster.node('n2').readStates).toEqual([]);
    cluster.process();
    expect(cluster.node('n2').readStates).toEqual([
      { context: 1, index: cluster.raft('n1').status().commitIndex },
    ]);
  });
});
