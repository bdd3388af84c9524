// Membership on the leader (thesis ch. 4): replication targets and stepping down after removal.
import type { NodeId } from '../types.js';
import { isPromotable, type NodeState, newProgress } from './node-state.js';
import { becomeFollower } from './role-transitions.js';

/** Thesis §4.2.2: a leader removed from the configuration steps down once that removal commits. */
export function maybeStepDownAfterRemoval(node: NodeState): void {
  if (node.role !== 'leader' || isPromotable(node)) return;
  if (node.log.commitIndex >= node.configurations.latestIndex) becomeFollower(node, node.term, null);
}

/**
 * The leader replicates to the other members of the latest configuration (thesis §4.1), and to
 * members it is removing until that removal commits, so they learn of it and stop campaigning.
 */
export function onConfigurationChanged(node: NodeState): void {
  if (node.role !== 'leader') return;
  const membership = node.configurations.latest;
  for (const [id, progress] of node.progress) {
    if (isReplicationTarget(node, id)) continue;
    progress.closeSnapshotTransfer();
    node.progress.delete(id);
  }
  const nextIndex = node.log.lastIndex() + 1;
  for (const member of membership.configuration.members) {
    if (member.id !== node.id && !node.progress.has(member.id)) {
      const progress = newProgress(node, nextIndex);
      progress.needsAppend = true;
      node.progress.set(member.id, progress);
    }
  }
  if (node.transferTarget !== null && !membership.isVoter(node.transferTarget)) node.transferTarget = null;
}

export function isReplicationTarget(node: NodeState, id: NodeId): boolean {
  if (node.configurations.latest.has(id)) return true;
  const removing = node.configurations.latestIndex > node.log.commitIndex;
  return removing && node.configurations.previous?.has(id) === true;
}
