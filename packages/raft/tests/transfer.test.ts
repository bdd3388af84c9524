// Paper-clause tests for leadership transfer (thesis §3.10): catch the target up, TimeoutNow, an
// immediate election without pre-vote, proposals refused meanwhile, abort after an election timeout.
import { describe, expect, it } from 'vitest';
import type { Message, RequestVote } from '../src/index.js';
import { id, SoloNode, TestCluster } from './harness.js';

const timeoutNows = (messages: readonly Message[]) =>
  messages.filter((message) => message.type === 'TimeoutNow');

describe('leadership transfer (thesis §3.10)', () => {
  it('hands leadership to an up-to-date voter with TimeoutNow', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    const term = cluster.raft('n1').status().term;
    expect(cluster.raft('n1').transferLeadership(id('n2'))).toEqual({ accepted: true });
    cluster.process();
    expect(cluster.leaders()).toEqual(['n2']);
    expect(cluster.raft('n2').status().term).toBe(term + 1);
    const requests = cluster.sent.filter(
      (message): message is RequestVote => message.type === 'RequestVote' && message.from === 'n2',
    );
    expect(requests.every((request) => request.leadershipTransfer && !request.preVote)).toBe(true);
  });

  it('catches a lagging target up first, then sends TimeoutNow', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.isolate('n3');
    for (let i = 0; i < 5; i += 1) cluster.propose('n1', `v${i}`);
    cluster.process();
    cluster.heal();
    cluster.raft('n1').transferLeadership(id('n3'));
    const first = cluster.runReady(cluster.node('n1'));
    expect(timeoutNows(first.messages)).toEqual([]);
    cluster.process();
    expect(timeoutNows(cluster.sent).length).toBeGreaterThan(0);
    expect(cluster.leaders()).toEqual(['n3']);
    expect(cluster.values('n3')).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
  });

  it('refuses proposals and membership changes while a transfer is in progress', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.isolate('n2');
    cluster.raft('n1').transferLeadership(id('n2'));
    expect(cluster.propose('n1', 'x')).toEqual({
      accepted: false,
      reason: 'leadership-transfer-in-progress',
      leaderHint: 'n1',
    });
    expect(cluster.raft('n1').changeMembership({ type: 'removeMember', id: id('n3') })).toMatchObject({
      accepted: false,
      reason: 'leadership-transfer-in-progress',
    });
  });

  it('aborts after an election timeout when the target does not take over', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.isolate('n2');
    cluster.raft('n1').transferLeadership(id('n2'));
    cluster.tick(['n1', 'n3'], 9);
    expect(cluster.raft('n1').status().leadershipTransferTarget).toBe('n2');
    cluster.tick(['n1', 'n3'], 1);
    expect(cluster.raft('n1').status().leadershipTransferTarget).toBeNull();
    expect(cluster.leaders()).toEqual(['n1']);
    expect(cluster.propose('n1', 'after').accepted).toBe(true);
  });

  it('refuses transfers that cannot work, with a typed reason', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'], learners: ['n4'] });
    cluster.elect('n1');
    const leader = cluster.raft('n1');
    expect(cluster.raft('n2').transferLeadership(id('n3'))).toMatchObject({
      accepted: false,
      reason: 'not-leader',
    });
    expect(leader.transferLeadership(id('n1'))).toMatchObject({ accepted: false, reason: 'already-leader' });
    expect(leader.transferLeadership(id('n9'))).toMatchObject({ accepted: false, reason: 'unknown-member' });
    expect(leader.transferLeadership(id('n4'))).toMatchObject({ accepted: false, reason: 'not-a-voter' });
    cluster.isolate('n2');
    expect(leader.transferLeadership(id('n2')).accepted).toBe(true);
    expect(leader.transferLeadership(id('n3'))).toMatchObject({
      accepted: false,
      reason: 'leadership-transfer-in-progress',
    });
  });

  it('on TimeoutNow a voter campaigns at once, skipping pre-vote', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'] });
    node.step({ type: 'TimeoutNow', term: 1, from: id('n1'), to: id('n2') });
    expect(node.raft.status()).toMatchObject({ role: 'candidate', term: 2 });
    const requests = node.messages() as RequestVote[];
    expect(requests.map((request) => [request.type, request.preVote, request.leadershipTransfer])).toEqual([
      ['RequestVote', false, true],
      ['RequestVote', false, true],
    ]);
  });

  it('a learner ignores TimeoutNow', () => {
    const node = new SoloNode('n4', { voters: ['n1', 'n2', 'n3'], learners: ['n4'] });
    node.step({ type: 'TimeoutNow', term: 1, from: id('n1'), to: id('n4') });
    expect(node.raft.status().role).toBe('follower');
  });
});
