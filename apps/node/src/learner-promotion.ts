// On the leader: promotes a learner to voter once it has caught up (thesis §4.2.1: a new server joins
// as a non-voting member until its log is close to the leader's, so it cannot stall commitment).
// One change at a time (thesis §4.1); the core itself refuses overlapping changes as well.
import type { KvApplyResult, KvQuery } from '@raftkv/kv';
import type { ActorEvent, NodeId, NodeStatus, ProposalResult } from '@raftkv/raft';

/** A learner within this many entries of the leader's last index counts as caught up. */
export const promotionLagEntriesMax = 64;

export interface PromotionEvents {
  onPromoted(id: NodeId, index: number): void;
  onPromotionFailed(id: NodeId, reason: string): void;
}

export class LearnerPromotion {
  private inFlight: NodeId | null = null;

  constructor(
    private readonly deliver: (event: ActorEvent<KvQuery, KvApplyResult>) => boolean,
    private readonly events: PromotionEvents,
  ) {}

  /** Proposes one promotion if this node leads and a learner is caught up; returns whether it did. */
  maybePromote(status: NodeStatus): boolean {
    if (this.inFlight !== null || status.role !== 'leader' || status.progress === null) return false;
    const learner = status.configuration.members.find((member) => {
      const progress = status.progress?.[member.id];
      return (
        member.role === 'learner' &&
        progress !== undefined &&
        // 'replicate' means the learner acknowledged an append: matchIndex is its real position (§3.5).
        progress.state === 'replicate' &&
        progress.matchIndex > 0 &&
        progress.recentlyActive &&
        progress.matchIndex + promotionLagEntriesMax >= status.lastIndex
      );
    });
    if (learner === undefined) return false;
    const id = learner.id;
    this.inFlight = id;
    this.deliver({
      type: 'changeMembership',
      change: { type: 'promoteLearner', id },
      onResult: (result: ProposalResult<KvApplyResult>) => {
        this.inFlight = null;
        if (result.ok) this.events.onPromoted(id, result.index);
        else this.events.onPromotionFailed(id, result.reason);
      },
    });
    return true;
  }
}
