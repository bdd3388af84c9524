// The election timer restarts only on a granted vote or a message from the current leader (paper
// fig. 2), so a candidate that cannot win does not keep up-to-date servers from timing out.
import { describe, expect, it } from 'vitest';
import type { RequestVote } from '../src/index.js';
import { commands, id, SoloNode } from './harness.js';

const voteRequest = (lastLogIndex: number, lastLogTerm: number): RequestVote => ({
  type: 'RequestVote',
  term: 5,
  from: id('n1'),
  to: id('n2'),
  lastLogIndex,
  lastLogTerm,
  preVote: false,
  leadershipTransfer: false,
});

const follower = () =>
  new SoloNode('n2', {
    voters: ['n1', 'n2', 'n3'],
    entries: commands(2, [1, 1]),
    config: { preVote: false, checkQuorum: false },
  });

describe('election timer (paper fig. 2, §5.2)', () => {
  it('a follower that rejects a stale candidate adopts its term but keeps its election timer (fig. 2)', () => {
    const ticksToTimeout = follower().ticksUntilCampaign();
    const node = follower();
    for (let tick = 1; tick < ticksToTimeout; tick += 1) node.raft.tick();
    expect(node.raft.status().role).toBe('follower');

    node.step(voteRequest(1, 1));
    const answer = node.messages().find((message) => message.type === 'RequestVoteResponse');
    expect(answer).toMatchObject({ term: 5, voteGranted: false });
    expect(node.raft.status()).toMatchObject({ role: 'follower', term: 5, votedFor: null });

    // The timeout it had drawn still runs out on the very next tick.
    expect(node.ticksUntilCampaign()).toBe(1);
    expect(node.raft.status()).toMatchObject({ role: 'candidate', term: 6 });
  });

  it('granting a vote restarts the election timer (fig. 2)', () => {
    const node = follower();
    node.raft.tick();
    node.step(voteRequest(3, 1));
    const answer = node.messages().find((message) => message.type === 'RequestVoteResponse');
    expect(answer).toMatchObject({ term: 5, voteGranted: true });
    expect(node.ticksUntilCampaign()).toBeGreaterThanOrEqual(node.config.electionTimeoutTicks);
  });
});
