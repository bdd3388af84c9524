// Public API of @raftkv/raft: the pure consensus core, the actor shell, their ports and helpers.
export { AssertionError, assert } from './assert.js';
export {
  type BootstrapState,
  bootstrapState,
  InvalidConfigurationError,
  type InvalidConfigurationReason,
} from './bootstrap.js';
export { MemoryLogStorage, type MemoryLogStorageContents } from './memory-log-storage.js';
export { SeededPrng } from './prng.js';
export {
  type ActorEvent,
  type CompactionPolicy,
  compactionDefault,
  mailboxCapacityDefault,
  type ProposalResult,
  RaftActor,
  type RaftActorObserver,
  type RaftActorOptions,
  type ReadResult,
} from './raft-actor.js';
export { RaftNode, type RaftNodeStart } from './raft-node.js';
export type { FollowerProgress, NodeStatus, ReplicationState } from './status.js';
export {
  type AppendEntries,
  type AppendEntriesResponse,
  type Configuration,
  type DropReason,
  defaultRaftConfig,
  type Entry,
  type HardState,
  type InitialState,
  type InstallSnapshot,
  type InstallSnapshotResponse,
  type LogIndex,
  type LogReader,
  type LogStorage,
  type Member,
  type MemberRole,
  type MembershipChange,
  type Message,
  type MessageType,
  type NodeId,
  nodeId,
  type Prng,
  type ProposeOutcome,
  type RaftConfig,
  type ReadIndexOutcome,
  type ReadState,
  type Ready,
  type ReceivedSnapshot,
  type RequestVote,
  type RequestVoteResponse,
  type Role,
  type SnapshotMetadata,
  type SnapshotReader,
  type SnapshotSource,
  type SoftState,
  type StateMachine,
  type Term,
  type TimeoutNow,
  type TransferOutcome,
  type Transport,
} from './types.js';
