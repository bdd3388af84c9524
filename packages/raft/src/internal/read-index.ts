// ReadIndex on the leader (thesis §6.4): registering reads, confirming them by heartbeat rounds.
import { isBrokenVariant } from '../testing.js';
import type { NodeState } from './node-state.js';
import { quorumValue } from './quorum.js';

/** Thesis §6.4 step 2: the read waits for a quorum to echo the NEXT heartbeat round. */
export function registerRead(node: NodeState, context: number): void {
  if (isBrokenVariant('read-confirmed-by-earlier-round')) {
    node.reads.add(context, node.log.commitIndex, node.sequence);
    node.heartbeatPending = true;
    return;
  }
  node.reads.add(context, node.log.commitIndex, node.sequence + 1);
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
  node.reads.confirmThrough(quorumValue(sequences, membership.quorum), node.readStates);
}
