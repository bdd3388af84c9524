// Elections (paper §5.2, §5.4.1; thesis §9.6 pre-vote, §3.10 transfer, §4.2.3): campaigns, votes.
import { isBrokenVariant } from '../testing.js';
import type { RequestVote, RequestVoteResponse } from '../types.js';
import type { NodeState } from './node-state.js';
import { tallyVotes } from './quorum.js';
import { becomeCandidate, becomeFollower, becomeLeader, becomePreCandidate } from './role-transitions.js';

type CampaignKind = 'preVote' | 'election' | 'transfer';

/** Thesis §4.2.3: a follower that recently heard from a leader ignores vote requests. */
export function isInLease(node: NodeState): boolean {
  return (
    node.config.checkQuorum &&
    node.leaderId !== null &&
    node.electionElapsedTicks < node.config.electionTimeoutTicks
  );
}

export function campaign(node: NodeState, kind: CampaignKind): void {
  if (kind === 'preVote') becomePreCandidate(node);
  else becomeCandidate(node);
  node.votes.set(node.id, true);
  if (maybeFinishElection(node)) return;
  const voteTerm = kind === 'preVote' ? node.term + 1 : node.term;
  const lastLogIndex = node.log.lastIndex();
  const lastLogTerm = node.log.lastTerm();
  for (const voter of node.configurations.latest.voters) {
    if (voter === node.id) continue;
    node.outbox.push({
      type: 'RequestVote',
      term: voteTerm,
      from: node.id,
      to: voter,
      lastLogIndex,
      lastLogTerm,
      preVote: kind === 'preVote',
      leadershipTransfer: kind === 'transfer',
    });
  }
}

/** Acts on a decided election; returns whether it was decided. */
function maybeFinishElection(node: NodeState): boolean {
  const membership = node.configurations.latest;
  const result = tallyVotes(membership.voters, membership.quorum, node.votes);
  if (result === 'pending') return false;
  if (result === 'lost') becomeFollower(node, node.term, null);
  else if (node.role === 'preCandidate') campaign(node, 'election');
  else becomeLeader(node);
  return true;
}

export function handleRequestVote(node: NodeState, message: RequestVote): void {
  const canVote =
    node.votedFor === message.from ||
    ((node.votedFor === null || isBrokenVariant('grant-two-votes-per-term')) && node.leaderId === null) ||
    (message.preVote && message.term > node.term);
  const upToDate =
    isBrokenVariant('skip-log-up-to-date-check') ||
    node.log.isUpToDate(message.lastLogIndex, message.lastLogTerm);
  const granted = canVote && upToDate;
  if (granted && !message.preVote) {
    node.votedFor = message.from;
    node.electionElapsedTicks = 0;
  }
  // A granted pre-vote carries the term it was asked for, so the pre-candidate can count it.
  node.outbox.push({
    type: 'RequestVoteResponse',
    term: granted ? message.term : node.term,
    from: node.id,
    to: message.from,
    voteGranted: granted,
    preVote: message.preVote,
  });
}

export function handleRequestVoteResponse(node: NodeState, message: RequestVoteResponse): void {
  if ((node.role === 'preCandidate') !== message.preVote) return;
  // Thesis §9.6: a pre-vote grant carries the term it was asked for; one for an earlier term (a
  // delayed answer to an older campaign) says nothing about term+1 and must not count.
  if (message.preVote && message.voteGranted && message.term !== node.term + 1) return;
  if (!node.configurations.latest.isVoter(message.from) || node.votes.has(message.from)) return;
  node.votes.set(message.from, message.voteGranted);
  maybeFinishElection(node);
}
