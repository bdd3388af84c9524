// Commitment (paper §5.3, §5.4.2, fig. 8) and what follows a commitIndex advance.
import { isBrokenVariant } from '../testing.js';
import { onConfigurationChanged } from './membership-changes.js';
import type { NodeState } from './node-state.js';
import { quorumValue } from './quorum.js';
import { registerRead } from './read-index.js';

/**
 * Paper §5.3/§5.4.2 (fig. 8): commitIndex becomes the highest index stored on a majority of the
 * voters, but only if that entry is of the current term. Returns whether commitIndex moved.
 */
export function maybeCommit(node: NodeState): boolean {
  if (node.role !== 'leader') return false;
  const membership = node.configurations.latest;
  const matches = node.quorumScratch;
  matches.length = 0;
  for (const voter of membership.voters) {
    matches.push(
      voter === node.id ? node.log.lastStableIndex() : (node.progress.get(voter)?.matchIndex ?? 0),
    );
  }
  const index = quorumValue(matches, membership.quorum);
  if (index <= node.log.commitIndex) return false;
  if (!isBrokenVariant('commit-previous-term-by-counting') && node.log.term(index) !== node.term)
    return false;
  node.log.commitTo(index);
  onCommitAdvanced(node);
  return true;
}

export function onCommitAdvanced(node: NodeState): void {
  node.configurations.pruneCommitted(node.log.commitIndex);
  if (node.role !== 'leader') return;
  node.commitBroadcastPending = true;
  onConfigurationChanged(node);
  if (!node.committedInCurrentTerm && node.log.term(node.log.commitIndex) === node.term) {
    node.committedInCurrentTerm = true;
    for (const requester of node.reads.takeAwaitingCommit()) registerRead(node, requester);
  }
}
