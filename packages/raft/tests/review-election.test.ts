// Review tests for elections: pre-vote answers count only for the term they were asked for
// (thesis §9.6). Message-level tests over SoloNode; they must not depend on timing beyond ticks.
import { describe, expect, it } from 'vitest';
import type { RequestVote, RequestVoteResponse } from '../src/index.js';
import { heartbeat, id, SoloNode } from './harness.js';

const preVoteRequest = (from: string, to: string, term: number): RequestVote => ({
  type: 'RequestVote',
  term,
  from: id(from),
  to: id(to),
  lastLogIndex: 1,
  lastLogTerm: 1,
  preVote: true,
  leadershipTransfer: false,
});

describe('review: pre-vote (thesis §9.6)', () => {
  it('a pre-vote granted for an earlier term does not count in a later pre-vote campaign (§9.6)', () => {
    const n1 = new SoloNode('n1', { voters: ['n1', 'n2', 'n3'] });
    n1.ticksUntilCampaign();
    expect(n1.raft.status()).toMatchObject({ role: 'preCandidate', term: 1 });

    // n2 grants n1's pre-vote for term 2; the network delays that answer.
    const n2 = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'] });
    n2.step(preVoteRequest('n1', 'n2', 2));
    const staleGrant = n2
      .messages()
      .find((message): message is RequestVoteResponse => message.type === 'RequestVoteResponse')!;
    expect(staleGrant).toMatchObject({ term: 2, voteGranted: true, preVote: true });

    // Meanwhile n3 leads term 2; n1 follows it, later times out and pre-votes for term 3.
    n1.step(heartbeat('n3', 'n1', 2));
    expect(n1.raft.status()).toMatchObject({ role: 'follower', term: 2, leaderId: 'n3' });
    n1.cycle();
    n1.ticksUntilCampaign();
    expect(n1.raft.status()).toMatchObject({ role: 'preCandidate', term: 2 });

    // The old grant (for term 2) says nothing about whether n2 would grant term 3.
    n1.step(staleGrant);
    expect(n1.raft.status()).toMatchObject({ role: 'preCandidate', term: 2 });
  });
});
