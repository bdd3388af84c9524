// The Raft consensus core (paper §5, thesis ch. 3-6, 9): a pure, deterministic state machine.
// It performs no I/O and reads no clock or ambient randomness; time arrives as tick(), input as
// step()/propose(), and output leaves through ready()/advance(). Never async, never throws on input.
// RaftNode is the facade: the state lives in internal/node-state.ts and each concern in its own
// module under internal/ (elections, replication, commitment, read-index, snapshots, membership, …).

import { assert } from './assert.js';
import { maybeCommit } from './internal/commitment.js';
import { entryOverheadBytes } from './internal/entry-bytes.js';
import { checkInvariants } from './internal/invariants.js';
import { snapshotCatchUpLimit } from './internal/leader-snapshots.js';
import { maybeSendTimeoutNow } from './internal/leadership-transfer.js';
import { applyMembershipChange } from './internal/membership.js';
import { maybeStepDownAfterRemoval, onConfigurationChanged } from './internal/membership-changes.js';
import { stepCurrentTerm, stepHigherTerm, stepLowerTerm } from './internal/message-dispatch.js';
import { appendAsLeader, NodeState, validateConfig } from './internal/node-state.js';
import { requestRead } from './internal/read-index.js';
import { advanceReady, buildReady, hasReady } from './internal/ready-assembly.js';
import { tickElection, tickLeader } from './internal/ticks.js';
import type { FollowerProgress, NodeStatus } from './status.js';
import { isBrokenVariant } from './testing.js';
import type {
  DropReason,
  LogIndex,
  LogReader,
  MembershipChange,
  Message,
  NodeId,
  Prng,
  ProposeOutcome,
  RaftConfig,
  ReadIndexOutcome,
  Ready,
  SnapshotSource,
  TransferOutcome,
} from './types.js';

export interface RaftNodeStart {
  readonly config: RaftConfig;
  readonly log: LogReader;
  readonly snapshots: SnapshotSource;
  readonly random: Prng;
  /** The state machine's durable applied index: committed entries up to here are not handed out again. */
  readonly appliedIndex: LogIndex;
}

/**
 * One Raft server's consensus state. Drive it with tick()/step()/propose()/..., then run one Ready
 * cycle: `if (node.hasReady()) { const r = node.ready(); persist(r); send(r); apply(r); node.advance(r); }`.
 * ready() must be followed by advance(thatReady) before the next ready(). After advance(),
 * hasReady() may be true again (e.g. the leader's own persistence just committed entries).
 *
 * Pending ReadIndex requests are dropped without a ReadState when the node stops leading: the app
 * learns this from Ready.softState (role no longer 'leader', or a new term) and must fail those reads.
 * A follower's reads that will get no ReadState come back in Ready.abandonedReads.
 */
export class RaftNode {
  private constructor(private readonly state: NodeState) {}

  static start(start: RaftNodeStart): RaftNode {
    validateConfig(start.config);
    const firstIndex = start.log.firstIndex();
    const lastIndex = start.log.lastIndex();
    assert(
      start.appliedIndex >= firstIndex - 1 && start.appliedIndex <= lastIndex,
      () =>
        `${start.config.id}: applied index ${start.appliedIndex} outside the stored log ${firstIndex - 1}..${lastIndex}`,
    );
    const node = new RaftNode(
      new NodeState(start.config, start.snapshots, start.random, start.log, start.appliedIndex),
    );
    checkInvariants(node.state);
    return node;
  }

  // -------------------------------------------------------------------------------------------
  // Public API
  // -------------------------------------------------------------------------------------------

  /** One logical tick: election timeouts, heartbeats and check-quorum are all counted in ticks. */
  tick(): void {
    this.state.followerReads.tick(this.state.config.electionTimeoutTicks);
    if (this.state.role === 'leader') tickLeader(this.state);
    else tickElection(this.state);
    checkInvariants(this.state);
  }

  /** A message from a peer. Malformed, misrouted or stale messages are ignored. */
  step(message: Message): void {
    if (message.to !== this.state.id || message.from === this.state.id) return;
    if (message.term < this.state.term) stepLowerTerm(this.state, message);
    else if (message.term === this.state.term || stepHigherTerm(this.state, message))
      stepCurrentTerm(this.state, message);
    maybeStepDownAfterRemoval(this.state);
    checkInvariants(this.state);
  }

  /** Appends a command to the leader's log; it is sent with the next Ready (batching). */
  propose(data: Uint8Array): ProposeOutcome {
    const refusal = this.proposalRefusal();
    if (refusal !== null) return this.dropped(refusal);
    const bytes = entryOverheadBytes + data.byteLength;
    if (
      this.state.uncommittedBytes > 0 &&
      this.state.uncommittedBytes + bytes > this.state.config.maxUncommittedEntriesBytes
    ) {
      return this.dropped('too-many-uncommitted-entries');
    }
    const index = this.state.log.lastIndex() + 1;
    appendAsLeader(this.state, { index, term: this.state.term, kind: 'command', data });
    this.state.uncommittedBytes += bytes;
    checkInvariants(this.state);
    return { accepted: true, term: this.state.term, index };
  }

  /** Single-server membership change (thesis §4.1), learners included (thesis §4.2.1). */
  changeMembership(change: MembershipChange): ProposeOutcome {
    const refusal = this.proposalRefusal();
    if (refusal !== null) return this.dropped(refusal);
    if (
      this.state.configurations.latestIndex > this.state.log.commitIndex &&
      !isBrokenVariant('concurrent-configuration-change')
    )
      return this.dropped('membership-change-in-progress');
    // A leader must commit an entry in its term before changing membership (Ongaro, raft-dev 2015).
    if (!this.state.committedInCurrentTerm) return this.dropped('no-leader-commit-in-term');
    const configuration = applyMembershipChange(this.state.configurations.latest, change);
    if (configuration === null) return this.dropped('invalid-membership-change');
    const index = this.state.log.lastIndex() + 1;
    appendAsLeader(this.state, { index, term: this.state.term, kind: 'configuration', configuration });
    this.state.configurations.append(index, configuration);
    onConfigurationChanged(this.state);
    maybeCommit(this.state);
    checkInvariants(this.state);
    return { accepted: true, term: this.state.term, index };
  }

  /**
   * ReadIndex (thesis §6.4): on the leader, records the read at the current commitIndex once the
   * leader has committed an entry in its term, and confirms it by a quorum echoing a heartbeat. On a
   * follower that knows a leader (thesis §6.4.1), queues it: the next Ready asks the leader for a
   * read index for every read queued, and its answer yields their ReadStates (or, if none comes,
   * Ready.abandonedReads). Refused 'not-leader' by a node that knows no leader.
   */
  readIndex(context: number): ReadIndexOutcome {
    if (this.state.role === 'leader') {
      requestRead(this.state, { context, from: null });
    } else if (this.state.role === 'follower' && this.state.leaderId !== null) {
      this.state.followerReads.queue(context);
    } else {
      return this.dropped('not-leader');
    }
    checkInvariants(this.state);
    return { accepted: true };
  }

  /** Leadership transfer (thesis §3.10): catch the target up, then send it TimeoutNow. */
  transferLeadership(to: NodeId): TransferOutcome {
    if (this.state.role !== 'leader')
      return { accepted: false, reason: 'not-leader', leaderHint: this.state.leaderId };
    const refuse = (
      reason: 'unknown-member' | 'not-a-voter' | 'already-leader' | 'leadership-transfer-in-progress',
    ) => ({ accepted: false, reason, leaderHint: this.state.id }) as const;
    if (to === this.state.id) return refuse('already-leader');
    const role = this.state.configurations.latest.roleOf(to);
    if (role === undefined) return refuse('unknown-member');
    if (role !== 'voter') return refuse('not-a-voter');
    if (this.state.transferTarget !== null) return refuse('leadership-transfer-in-progress');
    this.state.transferTarget = to;
    this.state.transferElapsedTicks = 0;
    const progress = this.state.progress.get(to)!;
    if (!maybeSendTimeoutNow(this.state, to, progress)) {
      progress.needsAppend = true;
      progress.needsEmptyAppend = true;
    }
    checkInvariants(this.state);
    return { accepted: true };
  }

  /** Whether ready() would return anything. Builds pending AppendEntries first (batching). */
  hasReady(): boolean {
    return hasReady(this.state);
  }

  /** What the application must do now; see Ready for the order. Follow it with advance(). */
  ready(): Ready {
    return buildReady(this.state);
  }

  /** The application did what `ready` asked: it is durable, sent and applied. */
  advance(ready: Ready): void {
    advanceReady(this.state, ready);
    checkInvariants(this.state);
  }

  /**
   * The highest index the application may compact the log through now without making a follower's
   * in-flight snapshot stale (paper §7); Infinity when nothing holds compaction back.
   */
  compactionLimit(): LogIndex {
    return snapshotCatchUpLimit(this.state);
  }

  status(): NodeStatus {
    let progress: Record<string, FollowerProgress> | null = null;
    if (this.state.role === 'leader') {
      progress = {};
      for (const [id, follower] of this.state.progress) progress[id] = follower.view();
    }
    return {
      id: this.state.id,
      role: this.state.role,
      term: this.state.term,
      leaderId: this.state.leaderId,
      votedFor: this.state.votedFor,
      commitIndex: this.state.log.commitIndex,
      appliedIndex: this.state.log.appliedIndex,
      firstIndex: this.state.log.firstIndex(),
      lastIndex: this.state.log.lastIndex(),
      configuration: this.state.configurations.latest.configuration,
      progress,
      leadershipTransferTarget: this.state.transferTarget,
    };
  }

  private proposalRefusal(): DropReason | null {
    if (this.state.role !== 'leader') return 'not-leader';
    if (this.state.transferTarget !== null) return 'leadership-transfer-in-progress';
    return null;
  }

  private dropped(reason: DropReason): { accepted: false; reason: DropReason; leaderHint: NodeId | null } {
    return { accepted: false, reason, leaderHint: this.state.leaderId };
  }
}
