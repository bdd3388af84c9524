// Paper-clause tests for linearizable reads with ReadIndex (thesis §6.4): current-term commit first,
// then a quorum echoing a heartbeat round; batched; a stale leader can never confirm.
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

  it('followers refuse ReadIndex with not-leader and a leader hint', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    expect(cluster.raft('n2').readIndex(1)).toEqual({
      accepted: false,
      reason: 'not-leader',
      leaderHint: 'n1',
    });
  });
});
