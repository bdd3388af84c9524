// Role transitions (paper fig. 2, §5.2; thesis §9.6): the only place a node's role changes.
import { assert } from '../assert.js';
import type { NodeId, Term } from '../types.js';
import { appendAsLeader, type NodeState, newProgress, resetElectionTimer } from './node-state.js';

const noOpData = new Uint8Array(0);

export function becomeFollower(node: NodeState, term: Term, leaderId: NodeId | null): void {
  reset(node, term);
  node.role = 'follower';
  node.leaderId = leaderId;
}

/**
 * Steps to a candidate's higher term without restarting the election timer. Paper fig. 2: a
 * follower's timer restarts only when it grants a vote (handleRequestVote) or hears from the
 * current leader. Restarting it here would let a candidate whose log is too stale to win, and
 * whose clock runs fast, time out first again and again and keep every up-to-date server from
 * ever timing out (a liveness failure without pre-vote).
 */
export function becomeFollowerKeepingElectionTimer(node: NodeState, term: Term): void {
  const electionElapsedTicks = node.electionElapsedTicks;
  const randomizedElectionTimeoutTicks = node.randomizedElectionTimeoutTicks;
  becomeFollower(node, term, null);
  node.electionElapsedTicks = electionElapsedTicks;
  node.randomizedElectionTimeoutTicks = randomizedElectionTimeoutTicks;
}

/** Pre-vote (thesis §9.6): neither the term nor the vote changes. */
export function becomePreCandidate(node: NodeState): void {
  assert(node.role !== 'leader', `${node.id}: a leader cannot become a pre-candidate`);
  node.role = 'preCandidate';
  node.leaderId = null;
  node.followerReads.abandonAll();
  node.votes.clear();
  resetElectionTimer(node);
}

export function becomeCandidate(node: NodeState): void {
  assert(node.role !== 'leader', `${node.id}: a leader cannot become a candidate`);
  reset(node, node.term + 1);
  node.votedFor = node.id;
  node.role = 'candidate';
}

export function becomeLeader(node: NodeState): void {
  assert(node.role === 'candidate', () => `${node.id}: became leader from ${node.role}`);
  reset(node, node.term);
  node.role = 'leader';
  node.leaderId = node.id;
  const nextIndex = node.log.lastIndex() + 1;
  for (const member of node.configurations.latest.configuration.members) {
    if (member.id !== node.id) node.progress.set(member.id, newProgress(node, nextIndex));
  }
  // §8: an empty entry of the new term, so that earlier entries commit with it (fig. 8).
  appendAsLeader(node, { index: nextIndex, term: node.term, kind: 'command', data: noOpData });
}

/** Clears per-term volatile state; a new term also clears the vote (paper fig. 2). */
function reset(node: NodeState, term: Term): void {
  if (term !== node.term) {
    node.term = term;
    node.votedFor = null;
  }
  node.leaderId = null;
  node.votes.clear();
  node.heartbeatElapsedTicks = 0;
  resetElectionTimer(node);
  for (const progress of node.progress.values()) progress.closeSnapshotTransfer();
  node.progress.clear();
  node.reads.clear();
  node.followerReads.abandonAll();
  node.transferTarget = null;
  node.heartbeatPending = false;
  node.appendBroadcastPending = false;
  node.commitBroadcastPending = false;
  node.committedInCurrentTerm = false;
  node.uncommittedBytes = 0;
  node.starvation.clearWindow();
}
