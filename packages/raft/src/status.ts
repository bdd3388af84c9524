// A read-only view of one node's consensus state, for apps (status pages, CLIs) and checkers.
import type { Configuration, LogIndex, NodeId, Role, Term } from './types.js';

export type ReplicationState = 'probe' | 'replicate' | 'snapshot';

/** The leader's view of one follower (thesis §3.5, etcd "Progress"). */
export interface FollowerProgress {
  readonly matchIndex: LogIndex;
  readonly nextIndex: LogIndex;
  readonly state: ReplicationState;
  readonly inflightMessages: number;
  /** Heard from within the current check-quorum window. */
  readonly recentlyActive: boolean;
}

export interface NodeStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: Term;
  readonly leaderId: NodeId | null;
  readonly votedFor: NodeId | null;
  readonly commitIndex: LogIndex;
  readonly appliedIndex: LogIndex;
  readonly firstIndex: LogIndex;
  readonly lastIndex: LogIndex;
  readonly configuration: Configuration;
  /** Only on the leader: one row per other member. */
  readonly progress: Readonly<Record<string, FollowerProgress>> | null;
  readonly leadershipTransferTarget: NodeId | null;
}
