// ReadIndex on the leader (thesis §6.4): registering reads, the leader's own and its followers'
// (thesis §6.4.1), confirming them by heartbeat rounds and answering each requester.
import { isBrokenVariant } from '../testing.js';
import type { NodeState } from './node-state.js';
import { quorumValue } from './quorum.js';
import type { ConfirmedReadIndex, ReadRequester } from './read-index-queue.js';

/** Thesis §6.4 step 1: a read waits until the leader has committed an entry in its term. */
export function requestRead(node: NodeState, requester: ReadRequester): void {
  if (node.committedInCurrentTerm) registerRead(node, requester);
  else node.reads.awaitCommit(requester);
}

/** Thesis §6.4 step 2: the read waits for a quorum to echo the NEXT heartbeat round. */
export function registerRead(node: NodeState, requester: ReadRequester): void {
  if (isBrokenVariant('read-confirmed-by-earlier-round')) {
    node.reads.add(requester, node.log.commitIndex, node.sequence);
    node.heartbeatPending = true;
    return;
  }
  node.reads.add(requester, node.log.commitIndex, node.sequence + 1);
  node.heartbeatPending = true;
}

/** Thesis §6.4 step 3: reads whose heartbeat round a quorum of voters (leader included) echoed. */
export function confirmReads(node: NodeState): void {
  if (node.reads.size === 0) return;
  const membership = node.configurations.latest;
  const sequences = node.quorumScratch;
  sequences.length = 0;
  for (const voter of membership.voters) {
    sequences.push(voter === node.id ? node.sequence : (node.progress.get(voter)?.sequenceEchoed ?? 0));
  }
  node.reads.confirmThrough(quorumValue(sequences, membership.quorum), (read) => answerRead(node, read));
}

/** The leader's own read becomes a ReadState; a follower's is answered with its read index (§6.4.1). */
function answerRead(node: NodeState, read: ConfirmedReadIndex): void {
  if (read.from === null) {
    node.readStates.push({ context: read.context, index: read.index });
    return;
  }
  node.outbox.push({
    type: 'ReadIndexResponse',
    term: node.term,
    from: node.id,
    to: read.from,
    request: read.context,
    index: read.index,
  });
}
