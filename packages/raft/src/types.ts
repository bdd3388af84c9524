// The vocabulary of the Raft core: identifiers, log entries, messages, Ready, and the ports the
// core reads through. Pure type declarations; nothing here may perform I/O or hold state.

/** A cluster member's identity, stable for the member's lifetime (e.g. "n1"). */
export type NodeId = string & { readonly __brand: 'NodeId' };
export const nodeId = (value: string): NodeId => value as NodeId;

/**
 * A Raft term (paper §5.1). Plain numbers rather than brands: the core does arithmetic on terms
 * and indexes in hot paths and a brand would cost a cast at every step; the alias names intent.
 */
export type Term = number;
/** A position in the replicated log; the first entry is 1, 0 means "none" (paper §5.3). */
export type LogIndex = number;

export type MemberRole = 'voter' | 'learner';

/** One member of a configuration. `address` is opaque to the core; apps put what peers need there. */
export interface Member {
  readonly id: NodeId;
  readonly role: MemberRole;
  readonly address: string;
}

/**
 * A cluster configuration (thesis ch. 4). Changed one voter at a time (thesis §4.1), so any two
 * successive configurations share a majority. A server uses the latest configuration in its log,
 * committed or not, and falls back to the previous one if that entry is truncated (thesis §4.1).
 */
export interface Configuration {
  readonly members: readonly Member[];
}

export type MembershipChange =
  | { readonly type: 'addLearner'; readonly id: NodeId; readonly address: string }
  | { readonly type: 'promoteLearner'; readonly id: NodeId }
  | { readonly type: 'removeMember'; readonly id: NodeId };

/** A log entry. A command's bytes are opaque to the core; an empty command is a leader's no-op (§8). */
export type Entry =
  | { readonly index: LogIndex; readonly term: Term; readonly kind: 'command'; readonly data: Uint8Array }
  | {
      readonly index: LogIndex;
      readonly term: Term;
      readonly kind: 'configuration';
      readonly configuration: Configuration;
    };

/** State that must be durable before any message that depends on it is sent (paper fig. 2). */
export interface HardState {
  readonly term: Term;
  readonly votedFor: NodeId | null;
  readonly commitIndex: LogIndex;
}

/** Describes the state a snapshot captures: everything up to and including `index` (paper §7). */
export interface SnapshotMetadata {
  readonly index: LogIndex;
  readonly term: Term;
  readonly configuration: Configuration;
}

/** A snapshot received from a leader, whole, ready to be installed (thesis §5.2). */
export interface ReceivedSnapshot {
  readonly metadata: SnapshotMetadata;
  readonly chunks: readonly Uint8Array[];
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state that apps may show or act on; never persisted. */
export interface SoftState {
  readonly role: Role;
  readonly term: Term;
  readonly leaderId: NodeId | null;
}

/**
 * A confirmed ReadIndex (thesis §6.4; at a follower, the leader's answer, §6.4.1): serve the read
 * once the state machine has applied `index`.
 */
export interface ReadState {
  readonly context: number;
  readonly index: LogIndex;
}

// ---------------------------------------------------------------------------------------------
// Messages. Every message carries the sender's term; `from`/`to` route it. The transport may drop,
// duplicate, delay or reorder any of them: the core must stay safe under all of that.
// ---------------------------------------------------------------------------------------------

interface MessageHeader {
  readonly term: Term;
  readonly from: NodeId;
  readonly to: NodeId;
}

/** RequestVote (paper §5.2, §5.4.1), also used for pre-vote (thesis §9.6) with `preVote: true`. */
export interface RequestVote extends MessageHeader {
  readonly type: 'RequestVote';
  readonly lastLogIndex: LogIndex;
  readonly lastLogTerm: Term;
  readonly preVote: boolean;
  /** Set when a TimeoutNow started this election: voters then ignore their leader lease (thesis §3.10). */
  readonly leadershipTransfer: boolean;
}

export interface RequestVoteResponse extends MessageHeader {
  readonly type: 'RequestVoteResponse';
  readonly voteGranted: boolean;
  readonly preVote: boolean;
}

/** AppendEntries (paper §5.3); with no entries it is a heartbeat. */
export interface AppendEntries extends MessageHeader {
  readonly type: 'AppendEntries';
  readonly prevLogIndex: LogIndex;
  readonly prevLogTerm: Term;
  readonly entries: readonly Entry[];
  readonly leaderCommit: LogIndex;
  /** The leader's heartbeat round; echoed back so a quorum of echoes confirms ReadIndex (§6.4). */
  readonly sequence: number;
}

export interface AppendEntriesResponse extends MessageHeader {
  readonly type: 'AppendEntriesResponse';
  readonly success: boolean;
  /** On success: the last index known to match the leader's log. On failure: the rejected prevLogIndex. */
  readonly matchIndex: LogIndex;
  /**
   * On failure, fast backtracking hints (thesis §5.3 / paper §5.3 "optimization"): the follower's
   * last log index, and the term and first index of the conflicting term at prevLogIndex (0 if none).
   */
  readonly lastLogIndex: LogIndex;
  readonly conflictTerm: Term;
  readonly conflictIndex: LogIndex;
  readonly sequence: number;
}

/** InstallSnapshot (paper §7), sent in chunks of at most `snapshotChunkBytes`. */
export interface InstallSnapshot extends MessageHeader {
  readonly type: 'InstallSnapshot';
  readonly metadata: SnapshotMetadata;
  readonly offset: number;
  readonly data: Uint8Array;
  readonly done: boolean;
  readonly sequence: number;
}

export interface InstallSnapshotResponse extends MessageHeader {
  readonly type: 'InstallSnapshotResponse';
  /** The snapshot this answers. */
  readonly snapshotIndex: LogIndex;
  /** Bytes received so far in order; the leader sends the next chunk from here. */
  readonly nextOffset: number;
  /** True once the whole snapshot was received and handed to the application. */
  readonly done: boolean;
  /** False when the follower wants the transfer restarted from offset 0. */
  readonly success: boolean;
  readonly sequence: number;
}

/** TimeoutNow (thesis §3.10): the receiver starts an election at once, skipping pre-vote. */
export interface TimeoutNow extends MessageHeader {
  readonly type: 'TimeoutNow';
}

/**
 * A follower asks the leader for a read index (thesis §6.4.1). `request` names the batch: one
 * request covers every linearizable read the follower queued since its previous one.
 */
export interface ReadIndexRequest extends MessageHeader {
  readonly type: 'ReadIndex';
  readonly request: number;
}

/** The leader's answer, sent once a heartbeat round confirmed its leadership after the request. */
export interface ReadIndexResponse extends MessageHeader {
  readonly type: 'ReadIndexResponse';
  readonly request: number;
  /** The leader's commit index when the request arrived: serve the reads once applied ≥ it. */
  readonly index: LogIndex;
}

export type Message =
  | RequestVote
  | RequestVoteResponse
  | AppendEntries
  | AppendEntriesResponse
  | InstallSnapshot
  | InstallSnapshotResponse
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexResponse;

export type MessageType = Message['type'];

// ---------------------------------------------------------------------------------------------
// Ready: what the application must do now, in this order (thesis §3.8, §10.2.1).
// ---------------------------------------------------------------------------------------------

export interface Ready {
  /** Persist before sending `messages` (paper fig. 2: a vote or term must never be forgotten). */
  readonly hardState: HardState | null;
  /**
   * Append to stable storage before sending `messages`. `entries[0].index` may be ≤ the stored last
   * index: storage then deletes its suffix from that index first (paper §5.3, conflicting entries).
   */
  readonly entries: readonly Entry[];
  /** Install before applying `committedEntries`: restore the state machine and reset the log. */
  readonly snapshot: ReceivedSnapshot | null;
  /** Apply to the state machine in order, after persisting this Ready. */
  readonly committedEntries: readonly Entry[];
  /** Send after persisting; the transport may drop any of them. */
  readonly messages: readonly Message[];
  /** ReadIndex confirmations; serve each once applied ≥ its index. */
  readonly readStates: readonly ReadState[];
  /**
   * Contexts of reads a follower asked the leader about that will never get a ReadState (the leader
   * changed, or did not answer within an election timeout, thesis §6.4.1): fail them; clients retry.
   */
  readonly abandonedReads: readonly number[];
  /** Non-null when role, term or leader changed since the last Ready. */
  readonly softState: SoftState | null;
}

// ---------------------------------------------------------------------------------------------
// Outcomes: expected protocol results are values, not exceptions.
// ---------------------------------------------------------------------------------------------

export type DropReason =
  | 'not-leader'
  | 'leadership-transfer-in-progress'
  | 'membership-change-in-progress'
  | 'invalid-membership-change'
  | 'too-many-uncommitted-entries'
  | 'no-leader-commit-in-term';

export type ProposeOutcome =
  | { readonly accepted: true; readonly term: Term; readonly index: LogIndex }
  | { readonly accepted: false; readonly reason: DropReason; readonly leaderHint: NodeId | null };

export type ReadIndexOutcome =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly reason: DropReason; readonly leaderHint: NodeId | null };

export type TransferOutcome =
  | { readonly accepted: true }
  | {
      readonly accepted: false;
      readonly reason:
        | 'not-leader'
        | 'unknown-member'
        | 'not-a-voter'
        | 'already-leader'
        | 'leadership-transfer-in-progress';
      readonly leaderHint: NodeId | null;
    };

// ---------------------------------------------------------------------------------------------
// Configuration of the core. Every timeout is counted in ticks; the app decides how long a tick is.
// ---------------------------------------------------------------------------------------------

export interface RaftConfig {
  readonly id: NodeId;
  /** A follower starts an election after a random timeout in [electionTimeoutTicks, 2·electionTimeoutTicks). */
  readonly electionTimeoutTicks: number;
  readonly heartbeatIntervalTicks: number;
  /** Pre-vote (thesis §9.6): a partitioned node cannot disrupt the cluster when it returns. */
  readonly preVote: boolean;
  /** Check-quorum (thesis §6.2): a leader that has not heard from a quorum for an election timeout steps down. */
  readonly checkQuorum: boolean;
  /**
   * Starvation check (a gray failure that check-quorum misses, thesis §6.2 only tests liveness of
   * answers): a leader whose oldest uncommitted entry has waited an election timeout, or whose
   * oldest uncommitted entry was at least `starvationLagTicks` old at two fifths or more of the
   * ticks of the last election timeout, hands leadership to its most caught-up voter with TimeoutNow (thesis §3.10), steps
   * down, and starts no campaign of its own for two election timeouts, so that it does not win
   * again at once with its longer log. Only after it committed in its term, outside a membership change.
   */
  readonly starvationCheck: boolean;
  /**
   * How old (in ticks) the oldest uncommitted entry must be for the quorum to count as lagging. Paper
   * §5.6 wants the broadcast time an order of magnitude below the election timeout; raftkvd ticks
   * four times per heartbeat (a tenth of the election timeout) and uses half a heartbeat, 2 ticks.
   */
  readonly starvationLagTicks: number;
  /** At most this many AppendEntries in flight to one follower (pipelining bound, thesis §10.2.2). */
  readonly maxInflightMessages: number;
  /** At most this many entry bytes in flight to one follower. */
  readonly maxInflightBytes: number;
  /** At most this many entry bytes in one AppendEntries (at least one entry is always sent). */
  readonly maxMessageEntriesBytes: number;
  /** A leader refuses proposals while this many bytes are appended but not committed. */
  readonly maxUncommittedEntriesBytes: number;
  /** Snapshot transfer chunk size. */
  readonly snapshotChunkBytes: number;
}

export const defaultRaftConfig = (id: NodeId): RaftConfig => ({
  id,
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  preVote: true,
  checkQuorum: true,
  starvationCheck: true,
  starvationLagTicks: 1,
  maxInflightMessages: 64,
  maxInflightBytes: 32 * 1024 * 1024,
  maxMessageEntriesBytes: 1024 * 1024,
  maxUncommittedEntriesBytes: 64 * 1024 * 1024,
  snapshotChunkBytes: 1024 * 1024,
});

// ---------------------------------------------------------------------------------------------
// Ports. The core reads durable state only through these; adapters implement them.
// ---------------------------------------------------------------------------------------------

/** What a restarted node recovers from stable storage. */
export interface InitialState {
  readonly hardState: HardState;
  /** The compaction point: entries up to here are gone from the log (index 0 / term 0 when none). */
  readonly snapshot: SnapshotMetadata | null;
}

/**
 * Read access to the durable log (paper §5.3). Entries `firstIndex()..lastIndex()` are present;
 * `term(firstIndex() - 1)` is the compaction point's term. All methods are synchronous.
 */
export interface LogReader {
  initialState(): InitialState;
  firstIndex(): LogIndex;
  lastIndex(): LogIndex;
  /** The term of the entry at `index`, for firstIndex()-1 ≤ index ≤ lastIndex(); otherwise undefined. */
  term(index: LogIndex): Term | undefined;
  /** Entries in [low, high), at least one if low < high, then stopping before `maxBytes` would be exceeded. */
  entries(low: LogIndex, high: LogIndex, maxBytes: number): Entry[];
}

/** The write side of log storage, used by the actor shell. */
export interface LogStorage extends LogReader {
  /**
   * Make everything in one Ready durable in ONE write (one fsync), in this order: a received
   * snapshot replaces the whole log; entries overwrite any suffix from their first index; hard state.
   * Durable when it returns (thesis §3.8: nothing that depends on it is sent before), except a
   * hard state that changes only commitIndex, which may be lost in a crash (paper fig. 2: volatile).
   */
  persist(update: {
    readonly hardState: HardState | null;
    readonly entries: readonly Entry[];
    readonly snapshot: SnapshotMetadata | null;
  }): void;
  /** Discard entries up to and including `index` (≤ the applied index); keeps their last term and configuration. */
  compact(index: LogIndex): void;
}

/** Reads a consistent snapshot of the state machine in chunks, for InstallSnapshot (paper §7). */
export interface SnapshotReader {
  readonly metadata: SnapshotMetadata;
  /** Bytes from `offset`, at most `maxBytes`; an empty array means the end. */
  readChunk(offset: number, maxBytes: number): Uint8Array;
  close(): void;
}

/** Opens snapshots of the application's state machine at its applied index. */
export interface SnapshotSource {
  openSnapshot(): SnapshotReader;
}

/**
 * The replicated state machine (paper §5.3, thesis §6). `apply` sees every committed entry in
 * order, configuration entries included, and records its applied index atomically with the batch's
 * effects. Its store may make applies durable LATER than `apply` returns: a crash may then lose a
 * suffix of applied batches, in order, never part of one, and `appliedIndex()` after the restart
 * says where to resume — the actor re-applies the rest from the log (paper fig. 2: the state machine
 * is volatile, the log is the durable record). The store must be durable through an index before the
 * log discards it (paper §7), and `restore` must be durable together with everything before it,
 * before the log is reset to the snapshot.
 */
export interface StateMachine<TQuery = unknown, TResult = unknown> extends SnapshotSource {
  appliedIndex(): LogIndex;
  /** One result per entry (a configuration entry or no-op yields undefined). */
  apply(entries: readonly Entry[]): TResult[];
  /** A read against the current applied state. */
  query(query: TQuery): TResult;
  /** Replace the whole state with a snapshot's. */
  restore(snapshot: ReceivedSnapshot): void;
}

/** Sends messages to peers. Fire and forget: it may drop, and must never throw into the core. */
export interface Transport {
  send(messages: readonly Message[]): void;
}

/** A deterministic source of randomness; the core never uses Math.random. */
export interface Prng {
  /** A uniformly distributed integer in [0, maxExclusive). */
  nextInt(maxExclusive: number): number;
}
