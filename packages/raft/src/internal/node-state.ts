// A node's state (paper fig. 2 and the leader's volatile state), how it is loaded, and its views.
import { assert } from '../assert.js';
import type {
  Configuration,
  Entry,
  HardState,
  LogIndex,
  LogReader,
  Message,
  NodeId,
  Prng,
  RaftConfig,
  ReadState,
  Ready,
  Role,
  SnapshotSource,
  SoftState,
  Term,
} from '../types.js';
import { ConfigurationHistory } from './configuration-history.js';
import { FollowerReadRequests } from './follower-reads.js';
import { Progress } from './progress.js';
import { RaftLog } from './raft-log.js';
import { ReadIndexQueue } from './read-index-queue.js';
import type { SnapshotReceiver } from './snapshot-receiver.js';
import { StarvationWatch } from './starvation-watch.js';

/** Page size used when scanning the stored log for configuration entries at start. */
const startScanBytes = 4 * 1024 * 1024;

/** One Raft server's consensus state (paper fig. 2), shared by the modules that act on it. */
export class NodeState {
  readonly id: NodeId;
  readonly log: RaftLog;
  readonly configurations: ConfigurationHistory;

  // Persistent state (paper fig. 2), handed out through Ready.hardState.
  term: Term;
  votedFor: NodeId | null;

  // Volatile state of every role.
  role: Role = 'follower';
  leaderId: NodeId | null = null;
  electionElapsedTicks = 0;
  heartbeatElapsedTicks = 0;
  randomizedElectionTimeoutTicks = 0;
  /** Votes (or pre-votes) received in the current campaign. */
  readonly votes = new Map<NodeId, boolean>();
  /** Follower: an InstallSnapshot transfer being received (paper §7). */
  snapshotReceiver: SnapshotReceiver | null = null;
  /** Follower: read index requests to the leader (thesis §6.4.1). */
  readonly followerReads = new FollowerReadRequests();

  // Leader state (thesis §3.5, §6.4, §3.10).
  readonly progress = new Map<NodeId, Progress>();
  /** Heartbeat round counter; echoed back so a quorum of echoes confirms reads (thesis §6.4). */
  sequence = 0;
  heartbeatPending = false;
  appendBroadcastPending = false;
  commitBroadcastPending = false;
  committedInCurrentTerm = false;
  uncommittedBytes = 0;
  transferTarget: NodeId | null = null;
  transferElapsedTicks = 0;
  readonly reads = new ReadIndexQueue();
  readonly quorumScratch: number[] = [];
  /** Gray-failure check: a leader that cannot get its entries committed hands over (starvationCheck). */
  readonly starvation: StarvationWatch;

  // Output, collected until the next ready().
  outbox: Message[] = [];
  readStates: ReadState[] = [];
  previousHardState: HardState;
  previousSoftState: SoftState;
  outstandingReady: Ready | null = null;
  highestTermSeen: Term;

  constructor(
    readonly config: RaftConfig,
    readonly snapshots: SnapshotSource,
    readonly random: Prng,
    log: LogReader,
    appliedIndex: LogIndex,
  ) {
    this.id = config.id;
    this.starvation = new StarvationWatch(config.electionTimeoutTicks, config.starvationLagTicks);
    const initial = log.initialState();
    const commitIndex = Math.max(initial.hardState.commitIndex, appliedIndex, log.firstIndex() - 1);
    assert(
      commitIndex <= log.lastIndex(),
      () => `${config.id}: commitIndex ${commitIndex} beyond the stored last index ${log.lastIndex()}`,
    );
    this.log = new RaftLog(log, commitIndex, appliedIndex);
    this.configurations = loadConfigurations(log, commitIndex);
    this.term = initial.hardState.term;
    this.votedFor = initial.hardState.votedFor;
    this.highestTermSeen = this.term;
    resetElectionTimer(this);
    this.previousHardState = currentHardState(this);
    this.previousSoftState = currentSoftState(this);
  }
}

/** §5.2: a fresh random timeout in [electionTimeoutTicks, 2·electionTimeoutTicks). */
export function resetElectionTimer(node: NodeState): void {
  node.electionElapsedTicks = 0;
  node.randomizedElectionTimeoutTicks =
    node.config.electionTimeoutTicks + node.random.nextInt(node.config.electionTimeoutTicks);
}

export function isPromotable(node: NodeState): boolean {
  return node.configurations.latest.isVoter(node.id);
}

export function appendAsLeader(node: NodeState, entry: Entry): void {
  node.log.append(entry);
  node.appendBroadcastPending = true;
}

export function newProgress(node: NodeState, nextIndex: LogIndex): Progress {
  return new Progress(nextIndex, node.config.maxInflightMessages, node.config.maxInflightBytes);
}

export function currentHardState(node: NodeState): HardState {
  return { term: node.term, votedFor: node.votedFor, commitIndex: node.log.commitIndex };
}

export function currentSoftState(node: NodeState): SoftState {
  return { role: node.role, term: node.term, leaderId: node.leaderId };
}

/**
 * Thesis §4.1: the latest configuration in the log is in force. Start from the compaction point's
 * configuration and replay the configuration entries of the stored log.
 */
function loadConfigurations(log: LogReader, commitIndex: LogIndex): ConfigurationHistory {
  const snapshot = log.initialState().snapshot;
  const base: Configuration = snapshot?.configuration ?? { members: [] };
  const history = new ConfigurationHistory(log.firstIndex() - 1, base);
  const lastIndex = log.lastIndex();
  for (let low = log.firstIndex(); low <= lastIndex; ) {
    const page = log.entries(low, lastIndex + 1, startScanBytes);
    for (const entry of page) {
      if (entry.kind === 'configuration') history.append(entry.index, entry.configuration);
    }
    low += page.length;
  }
  history.pruneCommitted(commitIndex);
  return history;
}

export function validateConfig(config: RaftConfig): void {
  const positiveInteger = (name: keyof RaftConfig): void => {
    const value = config[name];
    assert(
      typeof value === 'number' && Number.isInteger(value) && value > 0,
      () => `RaftConfig.${name} must be a positive integer, got ${String(value)}`,
    );
  };
  positiveInteger('electionTimeoutTicks');
  positiveInteger('heartbeatIntervalTicks');
  positiveInteger('maxInflightMessages');
  positiveInteger('maxInflightBytes');
  positiveInteger('maxMessageEntriesBytes');
  positiveInteger('maxUncommittedEntriesBytes');
  positiveInteger('snapshotChunkBytes');
  positiveInteger('starvationLagTicks');
  assert(
    config.heartbeatIntervalTicks < config.electionTimeoutTicks,
    () =>
      `RaftConfig.heartbeatIntervalTicks (${config.heartbeatIntervalTicks}) must be below electionTimeoutTicks (${config.electionTimeoutTicks})`,
  );
}
