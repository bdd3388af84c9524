// The starvation check's hooks in the leader: when it is measured, and the hand-over (thesis §3.10).
import type { NodeId } from '../types.js';
import type { NodeState } from './node-state.js';
import type { Progress } from './progress.js';
import { becomeFollower } from './role-transitions.js';

/**
 * The starvation check (RaftConfig.starvationCheck). It measures only an established leader:
 * not before its first commit in the term (a new leader may be catching followers up, maybe by
 * snapshot, and giving up then could repeat forever), not during a membership change (a new
 * voter may be catching up, thesis §4.2.1), not during a transfer, and never with a single voter.
 */
export function isStarved(node: NodeState): boolean {
  if (!node.config.starvationCheck) return false;
  const membership = node.configurations.latest;
  if (
    !node.committedInCurrentTerm ||
    node.transferTarget !== null ||
    node.configurations.latestIndex > node.log.commitIndex ||
    membership.voters.length < 2
  ) {
    node.starvation.clearWindow();
    return false;
  }
  return node.starvation.onLeaderTick(node.log.lastIndex(), node.log.commitIndex);
}

/**
 * A starved leader gives up: TimeoutNow to the most caught-up voter (thesis §3.10; preferring one
 * that answered recently), then it steps down. Unlike a requested transfer it does not wait for the
 * target to catch up over the starved links: the target's election is an ordinary one, safe by the
 * voting restriction (paper §5.4.1), and if it cannot win the others' timers elect someone else.
 * It then holds back its own campaigns for two election timeouts: its log is the longest (its
 * uncommitted entries), so with or without pre-vote (thesis §9.6) it would otherwise win again.
 */
export function handOverStarvedLeadership(node: NodeState): void {
  let target: NodeId | null = null;
  let best: Progress | null = null;
  for (const voter of node.configurations.latest.voters) {
    const progress = node.progress.get(voter);
    if (voter === node.id || progress === undefined) continue;
    const better =
      best === null ||
      (progress.recentlyActive && !best.recentlyActive) ||
      (progress.recentlyActive === best.recentlyActive && progress.matchIndex > best.matchIndex);
    if (better) {
      target = voter;
      best = progress;
    }
  }
  if (target !== null) node.outbox.push({ type: 'TimeoutNow', term: node.term, from: node.id, to: target });
  becomeFollower(node, node.term, null);
  node.starvation.holdCampaigns(2 * node.config.electionTimeoutTicks);
}
