// Logical time: election timeouts (paper §5.2), heartbeats, check-quorum (thesis §6.2), in ticks.
import { campaign } from './elections.js';
import { tickSnapshotTransfers } from './leader-snapshots.js';
import { isPromotable, type NodeState } from './node-state.js';
import { becomeFollower } from './role-transitions.js';
import { handOverStarvedLeadership, isStarved } from './starvation-check.js';

export function tickElection(node: NodeState): void {
  node.electionElapsedTicks += 1;
  if (node.starvation.tickCampaignHold()) return;
  if (node.electionElapsedTicks < node.randomizedElectionTimeoutTicks || !isPromotable(node)) return;
  campaign(node, node.config.preVote ? 'preVote' : 'election');
}

export function tickLeader(node: NodeState): void {
  node.heartbeatElapsedTicks += 1;
  node.electionElapsedTicks += 1;
  if (isStarved(node)) {
    handOverStarvedLeadership(node);
    return;
  }
  if (node.electionElapsedTicks >= node.config.electionTimeoutTicks) {
    node.electionElapsedTicks = 0;
    if (node.config.checkQuorum && !isQuorumActive(node)) {
      // Thesis §6.2: a leader that has not heard from a quorum in an election timeout steps down.
      becomeFollower(node, node.term, null);
      return;
    }
    for (const progress of node.progress.values()) {
      progress.activeInPreviousWindow = progress.recentlyActive;
      progress.recentlyActive = false;
    }
  }
  if (node.transferTarget !== null) {
    node.transferElapsedTicks += 1;
    // Thesis §3.10: abort a transfer that did not complete within an election timeout.
    if (node.transferElapsedTicks >= node.config.electionTimeoutTicks) node.transferTarget = null;
  }
  tickSnapshotTransfers(node);
  if (node.heartbeatElapsedTicks >= node.config.heartbeatIntervalTicks) {
    node.heartbeatElapsedTicks = 0;
    node.heartbeatPending = true;
  }
}

function isQuorumActive(node: NodeState): boolean {
  const membership = node.configurations.latest;
  let active = 0;
  for (const voter of membership.voters) {
    if (voter === node.id || node.progress.get(voter)?.recentlyActive === true) active += 1;
  }
  return active >= membership.quorum;
}
