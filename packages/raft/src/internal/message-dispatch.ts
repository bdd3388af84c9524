// Routing of peer messages by term (paper §5.1) and by role to the handlers of each concern.
import { isBrokenVariant } from '../testing.js';
import type { Message } from '../types.js';
import { campaign, handleRequestVote, handleRequestVoteResponse, isInLease } from './elections.js';
import { appendEntriesResponse, handleAppendEntries } from './follower-append-entries.js';
import { handleInstallSnapshot, installSnapshotResponse } from './follower-install-snapshot.js';
import { handleInstallSnapshotResponse } from './leader-snapshots.js';
import { isPromotable, type NodeState } from './node-state.js';
import { requestRead } from './read-index.js';
import { handleAppendEntriesResponse } from './replication.js';
import { becomeFollower, becomeFollowerKeepingElectionTimer } from './role-transitions.js';

/** Returns whether the message should still be handled at the (possibly new) current term. */
export function stepHigherTerm(node: NodeState, message: Message): boolean {
  if (message.type === 'RequestVote') {
    if (!message.leadershipTransfer && isInLease(node)) return false;
    if (message.preVote) return true;
    becomeFollowerKeepingElectionTimer(node, message.term);
    return true;
  } else if (message.type === 'RequestVoteResponse' && message.preVote && message.voteGranted) {
    return true;
  }
  const fromLeader =
    message.type === 'AppendEntries' || message.type === 'InstallSnapshot' || message.type === 'TimeoutNow';
  becomeFollower(node, message.term, fromLeader ? message.from : null);
  return true;
}

/**
 * A stale-term message. With check-quorum or pre-vote a node may keep a higher term that a stale
 * leader would never learn of, so answer it; and tell a stale pre-candidate our term (etcd does both).
 */
export function stepLowerTerm(node: NodeState, message: Message): void {
  const answerStaleLeader = node.config.checkQuorum || node.config.preVote;
  // Thesis §6.4: the answer carries OUR term, so it must not echo the stale message's heartbeat
  // round: its sender may since lead our term (after a restart reset its counter) and would count
  // this old echo as a fresh confirmation of a read. Round 0 never confirms anything.
  if (message.type === 'AppendEntries' && answerStaleLeader) {
    node.outbox.push({ ...appendEntriesResponse(node, message, false, 0), sequence: 0 });
  } else if (message.type === 'InstallSnapshot' && answerStaleLeader) {
    node.outbox.push({ ...installSnapshotResponse(node, message, 0, false, false), sequence: 0 });
  } else if (
    message.type === 'RequestVoteResponse' &&
    message.voteGranted &&
    node.role === 'candidate' &&
    isBrokenVariant('count-stale-vote-response')
  ) {
    handleRequestVoteResponse(node, message);
  } else if (message.type === 'RequestVote' && message.preVote) {
    node.outbox.push({
      type: 'RequestVoteResponse',
      term: node.term,
      from: node.id,
      to: message.from,
      voteGranted: false,
      preVote: true,
    });
  }
}

export function stepCurrentTerm(node: NodeState, message: Message): void {
  if (message.type === 'RequestVote') handleRequestVote(node, message);
  else if (node.role === 'leader') stepLeader(node, message);
  else if (node.role === 'follower') stepFollower(node, message);
  else stepCandidate(node, message);
}

function stepFollower(node: NodeState, message: Message): void {
  switch (message.type) {
    case 'AppendEntries':
      node.leaderId = message.from;
      node.electionElapsedTicks = 0;
      handleAppendEntries(node, message);
      return;
    case 'InstallSnapshot':
      node.leaderId = message.from;
      node.electionElapsedTicks = 0;
      handleInstallSnapshot(node, message);
      return;
    case 'TimeoutNow':
      // Thesis §3.10: start an election at once, skipping pre-vote.
      if (isPromotable(node)) campaign(node, 'transfer');
      return;
    case 'ReadIndexResponse':
      node.followerReads.answered(node, message.from, message.request, message.index);
      return;
    default:
      return;
  }
}

function stepCandidate(node: NodeState, message: Message): void {
  switch (message.type) {
    case 'AppendEntries':
    case 'InstallSnapshot':
      // §5.2: a leader of our term exists; return to follower and handle its message.
      becomeFollower(node, node.term, message.from);
      stepFollower(node, message);
      return;
    case 'RequestVoteResponse':
      handleRequestVoteResponse(node, message);
      return;
    default:
      return;
  }
}

function stepLeader(node: NodeState, message: Message): void {
  switch (message.type) {
    case 'AppendEntriesResponse':
      handleAppendEntriesResponse(node, message);
      return;
    case 'InstallSnapshotResponse':
      handleInstallSnapshotResponse(node, message);
      return;
    case 'ReadIndex':
      // Thesis §6.4.1: a follower's read, confirmed exactly as the leader's own (§6.4).
      requestRead(node, { context: message.request, from: message.from });
      return;
    default:
      return;
  }
}
