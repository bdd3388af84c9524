// The Raft consensus core (paper §5, thesis ch. 3-6, 9): a pure, deterministic state machine.
// It performs no I/O and reads no clock or ambient randomness; time arrives as tick(), input as
// step()/propose(), and output leaves through ready()/advance(). Never async, never throws on input.
import { assert } from './assert.js';
import { ConfigurationHistory } from './internal/configuration-history.js';
import { entriesBytes, entryOverheadBytes } from './internal/entry-bytes.js';
import { applyMembershipChange, type Membership } from './internal/membership.js';
import { isWellFormedAppendEntries } from './internal/message-checks.js';
import { Progress } from './internal/progress.js';
import { quorumValue, tallyVotes } from './internal/quorum.js';
import { RaftLog } from './internal/raft-log.js';
import { ReadIndexQueue } from './internal/read-index-queue.js';
import { SnapshotReceiver } from './internal/snapshot-receiver.js';
import { SnapshotTransfer } from './internal/snapshot-transfer.js';
import { StarvationWatch } from './internal/starvation-watch.js';
import type { FollowerProgress, NodeStatus } from './status.js';
import { isBrokenVariant } from './testing.js';
import type {
  AppendEntries,
  AppendEntriesResponse,
  Configuration,
  DropReason,
  Entry,
  HardState,
  InstallSnapshot,
  InstallSnapshotResponse,
  LogIndex,
  LogReader,
  MembershipChange,
  Message,
  NodeId,
  Prng,
  ProposeOutcome,
  RaftConfig,
  ReadIndexOutcome,
  ReadState,
  Ready,
  RequestVote,
  RequestVoteResponse,
  Role,
  SnapshotSource,
  SoftState,
  Term,
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

type CampaignKind = 'preVote' | 'election' | 'transfer';

const noOpData = new Uint8Array(0);
/** Page size used when scanning the stored log for configuration entries at start. */
const startScanBytes = 4 * 1024 * 1024;

/**
 * One Raft server's consensus state. Drive it with tick()/step()/propose()/..., then run one Ready
 * cycle: `if (node.hasReady()) { const r = node.ready(); persist(r); send(r); apply(r); node.advance(r); }`.
 * ready() must be followed by advance(thatReady) before the next ready(). After advance(),
 * hasReady() may be true again (e.g. the leader's own persistence just committed entries).
 *
 * Pending ReadIndex requests are dropped without a ReadState when the node stops leading: the app
 * learns this from Ready.softState (role no longer 'leader', or a new term) and must fail those reads.
 */
export class RaftNode {
  private readonly id: NodeId;
  private readonly log: RaftLog;
  private readonly configurations: ConfigurationHistory;

  // Persistent state (paper fig. 2), handed out through Ready.hardState.
  private term: Term;
  private votedFor: NodeId | null;

  // Volatile state of every role.
  private role: Role = 'follower';
  private leaderId: NodeId | null = null;
  private electionElapsedTicks = 0;
  private heartbeatElapsedTicks = 0;
  private randomizedElectionTimeoutTicks = 0;
  /** Votes (or pre-votes) received in the current campaign. */
  private readonly votes = new Map<NodeId, boolean>();
  /** Follower: an InstallSnapshot transfer being received (paper §7). */
  private snapshotReceiver: SnapshotReceiver | null = null;

  // Leader state (thesis §3.5, §6.4, §3.10).
  private readonly progress = new Map<NodeId, Progress>();
  /** Heartbeat round counter; echoed back so a quorum of echoes confirms reads (thesis §6.4). */
  private sequence = 0;
  private heartbeatPending = false;
  private appendBroadcastPending = false;
  private commitBroadcastPending = false;
  private committedInCurrentTerm = false;
  private uncommittedBytes = 0;
  private transferTarget: NodeId | null = null;
  private transferElapsedTicks = 0;
  private readonly reads = new ReadIndexQueue();
  private readonly quorumScratch: number[] = [];
  /** Gray-failure check: a leader that cannot get its entries committed hands over (starvationCheck). */
  private readonly starvation: StarvationWatch;

  // Output, collected until the next ready().
  private outbox: Message[] = [];
  private readStates: ReadState[] = [];
  private previousHardState: HardState;
  private previousSoftState: SoftState;
  private outstandingReady: Ready | null = null;
  private highestTermSeen: Term;

  private constructor(
    private readonly config: RaftConfig,
    private readonly snapshots: SnapshotSource,
    private readonly random: Prng,
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
    this.resetElectionTimer();
    this.previousHardState = this.hardState();
    this.previousSoftState = this.softState();
  }

  static start(start: RaftNodeStart): RaftNode {
    validateConfig(start.config);
    const firstIndex = start.log.firstIndex();
    const lastIndex = start.log.lastIndex();
    assert(
      start.appliedIndex >= firstIndex - 1 && start.appliedIndex <= lastIndex,
      () =>
        `${start.config.id}: applied index ${start.appliedIndex} outside the stored log ${firstIndex - 1}..${lastIndex}`,
    );
    const node = new RaftNode(start.config, start.snapshots, start.random, start.log, start.appliedIndex);
    node.checkInvariants();
    return node;
  }

  // -------------------------------------------------------------------------------------------
  // Public API
  // -------------------------------------------------------------------------------------------

  /** One logical tick: election timeouts, heartbeats and check-quorum are all counted in ticks. */
  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
    this.checkInvariants();
  }

  /** A message from a peer. Malformed, misrouted or stale messages are ignored. */
  step(message: Message): void {
    if (message.to !== this.id || message.from === this.id) return;
    if (message.term < this.term) this.stepLowerTerm(message);
    else if (message.term === this.term || this.stepHigherTerm(message)) this.stepCurrentTerm(message);
    this.maybeStepDownAfterRemoval();
    this.checkInvariants();
  }

  /** Appends a command to the leader's log; it is sent with the next Ready (batching). */
  propose(data: Uint8Array): ProposeOutcome {
    const refusal = this.proposalRefusal();
    if (refusal !== null) return this.dropped(refusal);
    const bytes = entryOverheadBytes + data.byteLength;
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > this.config.maxUncommittedEntriesBytes) {
      return this.dropped('too-many-uncommitted-entries');
    }
    const index = this.log.lastIndex() + 1;
    this.appendAsLeader({ index, term: this.term, kind: 'command', data });
    this.uncommittedBytes += bytes;
    this.checkInvariants();
    return { accepted: true, term: this.term, index };
  }

  /** Single-server membership change (thesis §4.1), learners included (thesis §4.2.1). */
  changeMembership(change: MembershipChange): ProposeOutcome {
    const refusal = this.proposalRefusal();
    if (refusal !== null) return this.dropped(refusal);
    if (
      this.configurations.latestIndex > this.log.commitIndex &&
      !isBrokenVariant('concurrent-configuration-change')
    )
      return this.dropped('membership-change-in-progress');
    // A leader must commit an entry in its term before changing membership (Ongaro, raft-dev 2015).
    if (!this.committedInCurrentTerm) return this.dropped('no-leader-commit-in-term');
    const configuration = applyMembershipChange(this.configurations.latest, change);
    if (configuration === null) return this.dropped('invalid-membership-change');
    const index = this.log.lastIndex() + 1;
    this.appendAsLeader({ index, term: this.term, kind: 'configuration', configuration });
    this.configurations.append(index, configuration);
    this.onConfigurationChanged();
    this.maybeCommit();
    this.checkInvariants();
    return { accepted: true, term: this.term, index };
  }

  /**
   * ReadIndex (thesis §6.4): on the leader, records the read at the current commitIndex once the
   * leader has committed an entry in its term, and confirms it by a quorum echoing a heartbeat.
   */
  readIndex(context: number): ReadIndexOutcome {
    if (this.role !== 'leader') return this.dropped('not-leader');
    if (this.committedInCurrentTerm) this.registerRead(context);
    else this.reads.awaitCommit(context);
    this.checkInvariants();
    return { accepted: true };
  }

  /** Leadership transfer (thesis §3.10): catch the target up, then send it TimeoutNow. */
  transferLeadership(to: NodeId): TransferOutcome {
    if (this.role !== 'leader') return { accepted: false, reason: 'not-leader', leaderHint: this.leaderId };
    const refuse = (
      reason: 'unknown-member' | 'not-a-voter' | 'already-leader' | 'leadership-transfer-in-progress',
    ) => ({ accepted: false, reason, leaderHint: this.id }) as const;
    if (to === this.id) return refuse('already-leader');
    const role = this.configurations.latest.roleOf(to);
    if (role === undefined) return refuse('unknown-member');
    if (role !== 'voter') return refuse('not-a-voter');
    if (this.transferTarget !== null) return refuse('leadership-transfer-in-progress');
    this.transferTarget = to;
    this.transferElapsedTicks = 0;
    const progress = this.progress.get(to)!;
    if (!this.maybeSendTimeoutNow(to, progress)) {
      progress.needsAppend = true;
      progress.needsEmptyAppend = true;
    }
    this.checkInvariants();
    return { accepted: true };
  }

  /** Whether ready() would return anything. Builds pending AppendEntries first (batching). */
  hasReady(): boolean {
    this.flushLeaderMessages();
    return (
      this.outbox.length > 0 ||
      this.readStates.length > 0 ||
      this.log.unstableEntries().length > 0 ||
      this.log.unstableSnapshot !== null ||
      this.log.hasCommittedEntriesToApply() ||
      !sameHardState(this.hardState(), this.previousHardState) ||
      !sameSoftState(this.softState(), this.previousSoftState)
    );
  }

  /** What the application must do now; see Ready for the order. Follow it with advance(). */
  ready(): Ready {
    assert(this.outstandingReady === null, `${this.id}: ready() called again before advance()`);
    this.flushLeaderMessages();
    const hardState = this.hardState();
    const softState = this.softState();
    const ready: Ready = {
      hardState: sameHardState(hardState, this.previousHardState) ? null : hardState,
      entries: this.log.unstableEntries().slice(),
      snapshot: this.log.unstableSnapshot,
      committedEntries: this.log.committedEntriesToApply(this.config.maxMessageEntriesBytes),
      messages: this.outbox,
      readStates: this.readStates,
      softState: sameSoftState(softState, this.previousSoftState) ? null : softState,
    };
    this.outbox = [];
    this.readStates = [];
    for (const progress of this.progress.values()) progress.messagedThisReady = false;
    this.outstandingReady = ready;
    return ready;
  }

  /** The application did what `ready` asked: it is durable, sent and applied. */
  advance(ready: Ready): void {
    assert(
      ready === this.outstandingReady,
      `${this.id}: advance() with a Ready that is not the outstanding one`,
    );
    this.outstandingReady = null;
    if (ready.hardState !== null) this.previousHardState = ready.hardState;
    if (ready.softState !== null) this.previousSoftState = ready.softState;
    if (ready.snapshot !== null) {
      this.log.stableSnapshotTo(ready.snapshot.metadata.index);
      this.log.appliedTo(ready.snapshot.metadata.index);
    }
    const lastEntry = ready.entries[ready.entries.length - 1];
    if (lastEntry !== undefined) this.log.stableTo(lastEntry.index, lastEntry.term);
    const lastApplied = ready.committedEntries[ready.committedEntries.length - 1];
    if (lastApplied !== undefined) {
      this.log.appliedTo(lastApplied.index);
      if (this.role === 'leader') {
        this.uncommittedBytes = Math.max(0, this.uncommittedBytes - entriesBytes(ready.committedEntries));
      }
    }
    // The leader counts itself only for entries it has persisted (thesis §10.2.1).
    this.maybeCommit();
    this.maybeStepDownAfterRemoval();
    this.checkInvariants();
  }

  status(): NodeStatus {
    let progress: Record<string, FollowerProgress> | null = null;
    if (this.role === 'leader') {
      progress = {};
      for (const [id, follower] of this.progress) progress[id] = follower.view();
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      leaderId: this.leaderId,
      votedFor: this.votedFor,
      commitIndex: this.log.commitIndex,
      appliedIndex: this.log.appliedIndex,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      configuration: this.configurations.latest.configuration,
      progress,
      leadershipTransferTarget: this.transferTarget,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Role transitions: the only place roles change.
  // -------------------------------------------------------------------------------------------

  private becomeFollower(term: Term, leaderId: NodeId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.leaderId = leaderId;
  }

  /**
   * Steps to a candidate's higher term without restarting the election timer. Paper fig. 2: a
   * follower's timer restarts only when it grants a vote (handleRequestVote) or hears from the
   * current leader. Restarting it here would let a candidate whose log is too stale to win, and
   * whose clock runs fast, time out first again and again and keep every up-to-date server from
   * ever timing out (a liveness failure without pre-vote).
   */
  private becomeFollowerKeepingElectionTimer(term: Term): void {
    const electionElapsedTicks = this.electionElapsedTicks;
    const randomizedElectionTimeoutTicks = this.randomizedElectionTimeoutTicks;
    this.becomeFollower(term, null);
    this.electionElapsedTicks = electionElapsedTicks;
    this.randomizedElectionTimeoutTicks = randomizedElectionTimeoutTicks;
  }

  /** Pre-vote (thesis §9.6): neither the term nor the vote changes. */
  private becomePreCandidate(): void {
    assert(this.role !== 'leader', `${this.id}: a leader cannot become a pre-candidate`);
    this.role = 'preCandidate';
    this.leaderId = null;
    this.votes.clear();
    this.resetElectionTimer();
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', `${this.id}: a leader cannot become a candidate`);
    this.reset(this.term + 1);
    this.votedFor = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', () => `${this.id}: became leader from ${this.role}`);
    this.reset(this.term);
    this.role = 'leader';
    this.leaderId = this.id;
    const nextIndex = this.log.lastIndex() + 1;
    for (const member of this.configurations.latest.configuration.members) {
      if (member.id !== this.id) this.progress.set(member.id, this.newProgress(nextIndex));
    }
    // §8: an empty entry of the new term, so that earlier entries commit with it (fig. 8).
    this.appendAsLeader({ index: nextIndex, term: this.term, kind: 'command', data: noOpData });
  }

  /** Clears per-term volatile state; a new term also clears the vote (paper fig. 2). */
  private reset(term: Term): void {
    if (term !== this.term) {
      this.term = term;
      this.votedFor = null;
    }
    this.leaderId = null;
    this.votes.clear();
    this.heartbeatElapsedTicks = 0;
    this.resetElectionTimer();
    for (const progress of this.progress.values()) progress.closeSnapshotTransfer();
    this.progress.clear();
    this.reads.clear();
    this.transferTarget = null;
    this.heartbeatPending = false;
    this.appendBroadcastPending = false;
    this.commitBroadcastPending = false;
    this.committedInCurrentTerm = false;
    this.uncommittedBytes = 0;
    this.starvation.clearWindow();
  }

  /** §5.2: a fresh random timeout in [electionTimeoutTicks, 2·electionTimeoutTicks). */
  private resetElectionTimer(): void {
    this.electionElapsedTicks = 0;
    this.randomizedElectionTimeoutTicks =
      this.config.electionTimeoutTicks + this.random.nextInt(this.config.electionTimeoutTicks);
  }

  // -------------------------------------------------------------------------------------------
  // Time
  // -------------------------------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsedTicks += 1;
    if (this.starvation.tickCampaignHold()) return;
    if (this.electionElapsedTicks < this.randomizedElectionTimeoutTicks || !this.isPromotable()) return;
    this.campaign(this.config.preVote ? 'preVote' : 'election');
  }

  private tickLeader(): void {
    this.heartbeatElapsedTicks += 1;
    this.electionElapsedTicks += 1;
    if (this.isStarved()) {
      this.handOverStarvedLeadership();
      return;
    }
    if (this.electionElapsedTicks >= this.config.electionTimeoutTicks) {
      this.electionElapsedTicks = 0;
      if (this.config.checkQuorum && !this.isQuorumActive()) {
        // Thesis §6.2: a leader that has not heard from a quorum in an election timeout steps down.
        this.becomeFollower(this.term, null);
        return;
      }
      for (const progress of this.progress.values()) progress.recentlyActive = false;
    }
    if (this.transferTarget !== null) {
      this.transferElapsedTicks += 1;
      // Thesis §3.10: abort a transfer that did not complete within an election timeout.
      if (this.transferElapsedTicks >= this.config.electionTimeoutTicks) this.transferTarget = null;
    }
    this.tickSnapshotTransfers();
    if (this.heartbeatElapsedTicks >= this.config.heartbeatIntervalTicks) {
      this.heartbeatElapsedTicks = 0;
      this.heartbeatPending = true;
    }
  }

  /** Resends an unanswered InstallSnapshot chunk after half an election timeout (messages may be lost). */
  private tickSnapshotTransfers(): void {
    const retryTicks = Math.max(1, Math.floor(this.config.electionTimeoutTicks / 2));
    for (const [id, progress] of this.progress) {
      const transfer = progress.snapshotTransfer;
      if (transfer === null) continue;
      transfer.ticksSinceProgress += 1;
      if (transfer.ticksSinceProgress >= retryTicks) this.sendSnapshotChunk(id, progress);
    }
  }

  /**
   * The starvation check (RaftConfig.starvationCheck). It measures only an established leader:
   * not before its first commit in the term (a new leader may be catching followers up, maybe by
   * snapshot, and giving up then could repeat forever), not during a membership change (a new
   * voter may be catching up, thesis §4.2.1), not during a transfer, and never with a single voter.
   */
  private isStarved(): boolean {
    if (!this.config.starvationCheck) return false;
    const membership = this.configurations.latest;
    if (
      !this.committedInCurrentTerm ||
      this.transferTarget !== null ||
      this.configurations.latestIndex > this.log.commitIndex ||
      membership.voters.length < 2
    ) {
      this.starvation.clearWindow();
      return false;
    }
    return this.starvation.onLeaderTick(this.log.lastIndex(), this.log.commitIndex);
  }

  /**
   * A starved leader gives up: TimeoutNow to the most caught-up voter (thesis §3.10; preferring one
   * that answered recently), then it steps down. Unlike a requested transfer it does not wait for the
   * target to catch up over the starved links: the target's election is an ordinary one, safe by the
   * voting restriction (paper §5.4.1), and if it cannot win the others' timers elect someone else.
   * It then holds back its own campaigns for two election timeouts: its log is the longest (its
   * uncommitted entries), so with or without pre-vote (thesis §9.6) it would otherwise win again.
   */
  private handOverStarvedLeadership(): void {
    let target: NodeId | null = null;
    let best: Progress | null = null;
    for (const voter of this.configurations.latest.voters) {
      const progress = this.progress.get(voter);
      if (voter === this.id || progress === undefined) continue;
      const better =
        best === null ||
        (progress.recentlyActive && !best.recentlyActive) ||
        (progress.recentlyActive === best.recentlyActive && progress.matchIndex > best.matchIndex);
      if (better) {
        target = voter;
        best = progress;
      }
    }
    if (target !== null) this.outbox.push({ type: 'TimeoutNow', term: this.term, from: this.id, to: target });
    this.becomeFollower(this.term, null);
    this.starvation.holdCampaigns(2 * this.config.electionTimeoutTicks);
  }

  private isPromotable(): boolean {
    return this.configurations.latest.isVoter(this.id);
  }

  private isQuorumActive(): boolean {
    const membership = this.configurations.latest;
    let active = 0;
    for (const voter of membership.voters) {
      if (voter === this.id || this.progress.get(voter)?.recentlyActive === true) active += 1;
    }
    return active >= membership.quorum;
  }

  /** Thesis §4.2.3: a follower that recently heard from a leader ignores vote requests. */
  private isInLease(): boolean {
    return (
      this.config.checkQuorum &&
      this.leaderId !== null &&
      this.electionElapsedTicks < this.config.electionTimeoutTicks
    );
  }

  // -------------------------------------------------------------------------------------------
  // Elections (paper §5.2, §5.4.1; thesis §9.6 pre-vote, §3.10 transfer)
  // -------------------------------------------------------------------------------------------

  private campaign(kind: CampaignKind): void {
    if (kind === 'preVote') this.becomePreCandidate();
    else this.becomeCandidate();
    this.votes.set(this.id, true);
    if (this.maybeFinishElection()) return;
    const voteTerm = kind === 'preVote' ? this.term + 1 : this.term;
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const voter of this.configurations.latest.voters) {
      if (voter === this.id) continue;
      this.outbox.push({
        type: 'RequestVote',
        term: voteTerm,
        from: this.id,
        to: voter,
        lastLogIndex,
        lastLogTerm,
        preVote: kind === 'preVote',
        leadershipTransfer: kind === 'transfer',
      });
    }
  }

  /** Acts on a decided election; returns whether it was decided. */
  private maybeFinishElection(): boolean {
    const membership = this.configurations.latest;
    const result = tallyVotes(membership.voters, membership.quorum, this.votes);
    if (result === 'pending') return false;
    if (result === 'lost') this.becomeFollower(this.term, null);
    else if (this.role === 'preCandidate') this.campaign('election');
    else this.becomeLeader();
    return true;
  }

  private handleRequestVote(message: RequestVote): void {
    const canVote =
      this.votedFor === message.from ||
      ((this.votedFor === null || isBrokenVariant('grant-two-votes-per-term')) && this.leaderId === null) ||
      (message.preVote && message.term > this.term);
    const upToDate =
      isBrokenVariant('skip-log-up-to-date-check') ||
      this.log.isUpToDate(message.lastLogIndex, message.lastLogTerm);
    const granted = canVote && upToDate;
    if (granted && !message.preVote) {
      this.votedFor = message.from;
      this.electionElapsedTicks = 0;
    }
    // A granted pre-vote carries the term it was asked for, so the pre-candidate can count it.
    this.outbox.push({
      type: 'RequestVoteResponse',
      term: granted ? message.term : this.term,
      from: this.id,
      to: message.from,
      voteGranted: granted,
      preVote: message.preVote,
    });
  }

  private handleRequestVoteResponse(message: RequestVoteResponse): void {
    if ((this.role === 'preCandidate') !== message.preVote) return;
    // Thesis §9.6: a pre-vote grant carries the term it was asked for; one for an earlier term (a
    // delayed answer to an older campaign) says nothing about term+1 and must not count.
    if (message.preVote && message.voteGranted && message.term !== this.term + 1) return;
    if (!this.configurations.latest.isVoter(message.from) || this.votes.has(message.from)) return;
    this.votes.set(message.from, message.voteGranted);
    this.maybeFinishElection();
  }

  /** Returns whether the message should still be handled at the (possibly new) current term. */
  private stepHigherTerm(message: Message): boolean {
    if (message.type === 'RequestVote') {
      if (!message.leadershipTransfer && this.isInLease()) return false;
      if (message.preVote) return true;
      this.becomeFollowerKeepingElectionTimer(message.term);
      return true;
    } else if (message.type === 'RequestVoteResponse' && message.preVote && message.voteGranted) {
      return true;
    }
    const fromLeader =
      message.type === 'AppendEntries' || message.type === 'InstallSnapshot' || message.type === 'TimeoutNow';
    this.becomeFollower(message.term, fromLeader ? message.from : null);
    return true;
  }

  /**
   * A stale-term message. With check-quorum or pre-vote a node may keep a higher term that a stale
   * leader would never learn of, so answer it; and tell a stale pre-candidate our term (etcd does both).
   */
  private stepLowerTerm(message: Message): void {
    const answerStaleLeader = this.config.checkQuorum || this.config.preVote;
    // Thesis §6.4: the answer carries OUR term, so it must not echo the stale message's heartbeat
    // round: its sender may since lead our term (after a restart reset its counter) and would count
    // this old echo as a fresh confirmation of a read. Round 0 never confirms anything.
    if (message.type === 'AppendEntries' && answerStaleLeader) {
      this.outbox.push({ ...this.appendEntriesResponse(message, false, 0), sequence: 0 });
    } else if (message.type === 'InstallSnapshot' && answerStaleLeader) {
      this.outbox.push({ ...this.installSnapshotResponse(message, 0, false, false), sequence: 0 });
    } else if (
      message.type === 'RequestVoteResponse' &&
      message.voteGranted &&
      this.role === 'candidate' &&
      isBrokenVariant('count-stale-vote-response')
    ) {
      this.handleRequestVoteResponse(message);
    } else if (message.type === 'RequestVote' && message.preVote) {
      this.outbox.push({
        type: 'RequestVoteResponse',
        term: this.term,
        from: this.id,
        to: message.from,
        voteGranted: false,
        preVote: true,
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Per-role message handling
  // -------------------------------------------------------------------------------------------

  private stepCurrentTerm(message: Message): void {
    if (message.type === 'RequestVote') this.handleRequestVote(message);
    else if (this.role === 'leader') this.stepLeader(message);
    else if (this.role === 'follower') this.stepFollower(message);
    else this.stepCandidate(message);
  }

  private stepFollower(message: Message): void {
    switch (message.type) {
      case 'AppendEntries':
        this.leaderId = message.from;
        this.electionElapsedTicks = 0;
        this.handleAppendEntries(message);
        return;
      case 'InstallSnapshot':
        this.leaderId = message.from;
        this.electionElapsedTicks = 0;
        this.handleInstallSnapshot(message);
        return;
      case 'TimeoutNow':
        // Thesis §3.10: start an election at once, skipping pre-vote.
        if (this.isPromotable()) this.campaign('transfer');
        return;
      default:
        return;
    }
  }

  private stepCandidate(message: Message): void {
    switch (message.type) {
      case 'AppendEntries':
      case 'InstallSnapshot':
        // §5.2: a leader of our term exists; return to follower and handle its message.
        this.becomeFollower(this.term, message.from);
        this.stepFollower(message);
        return;
      case 'RequestVoteResponse':
        this.handleRequestVoteResponse(message);
        return;
      default:
        return;
    }
  }

  private stepLeader(message: Message): void {
    switch (message.type) {
      case 'AppendEntriesResponse':
        this.handleAppendEntriesResponse(message);
        return;
      case 'InstallSnapshotResponse':
        this.handleInstallSnapshotResponse(message);
        return;
      default:
        return;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Follower: AppendEntries (paper §5.3) and InstallSnapshot (paper §7)
  // -------------------------------------------------------------------------------------------

  private handleAppendEntries(message: AppendEntries): void {
    if (!isWellFormedAppendEntries(message)) return;
    const commitIndex = this.log.commitIndex;
    if (message.prevLogIndex < commitIndex) {
      // Everything up to commitIndex matches any current leader's log (leader completeness, §5.4).
      this.outbox.push(this.appendEntriesResponse(message, true, commitIndex));
      return;
    }
    if (!this.log.matchTerm(message.prevLogIndex, message.prevLogTerm)) {
      this.outbox.push(this.rejectAppendEntries(message));
      return;
    }
    const lastNewIndex = message.prevLogIndex + message.entries.length;
    // §5.3: truncate only on an actual conflict; entries we already hold are left alone.
    const conflict = this.log.findConflict(message.entries);
    if (conflict >= 0) this.appendAsFollower(message.entries, conflict);
    if (this.log.commitTo(Math.min(message.leaderCommit, lastNewIndex))) this.onCommitAdvanced();
    this.outbox.push(this.appendEntriesResponse(message, true, lastNewIndex));
  }

  private appendAsFollower(entries: readonly Entry[], from: number): void {
    const firstIndex = entries[from]!.index;
    this.log.truncateAndAppend(entries, from);
    // Thesis §4.1: a truncated configuration entry reverts to the previous configuration.
    this.configurations.truncateFrom(firstIndex);
    for (let position = from; position < entries.length; position += 1) {
      const entry = entries[position]!;
      if (entry.kind === 'configuration') this.configurations.append(entry.index, entry.configuration);
    }
  }

  /** Fast backtracking hints (paper §5.3 end): our last index, and the conflicting term's first index. */
  private rejectAppendEntries(message: AppendEntries): AppendEntriesResponse {
    const lastLogIndex = this.log.lastIndex();
    let conflictTerm = 0;
    let conflictIndex = 0;
    if (message.prevLogIndex <= lastLogIndex) {
      conflictTerm = this.log.term(message.prevLogIndex)!;
      const floor = Math.max(this.log.commitIndex + 1, this.log.firstIndex());
      conflictIndex = this.log.firstIndexOfTermAt(message.prevLogIndex, floor);
    }
    return {
      type: 'AppendEntriesResponse',
      term: this.term,
      from: this.id,
      to: message.from,
      success: false,
      matchIndex: message.prevLogIndex,
      lastLogIndex,
      conflictTerm,
      conflictIndex,
      sequence: message.sequence,
    };
  }

  private appendEntriesResponse(
    message: AppendEntries,
    success: boolean,
    matchIndex: LogIndex,
  ): AppendEntriesResponse {
    return {
      type: 'AppendEntriesResponse',
      term: this.term,
      from: this.id,
      to: message.from,
      success,
      matchIndex,
      lastLogIndex: this.log.lastIndex(),
      conflictTerm: 0,
      conflictIndex: 0,
      sequence: message.sequence,
    };
  }

  private handleInstallSnapshot(message: InstallSnapshot): void {
    let receiver = this.snapshotReceiver;
    if (receiver === null || !receiver.isFor(message)) {
      if (message.offset !== 0) {
        this.outbox.push(this.installSnapshotResponse(message, 0, false, false));
        return;
      }
      receiver = new SnapshotReceiver(message.metadata);
      this.snapshotReceiver = receiver;
    }
    if (!receiver.maybeAccept(message) || !message.done) {
      this.outbox.push(this.installSnapshotResponse(message, receiver.nextOffset, false, true));
      return;
    }
    this.snapshotReceiver = null;
    this.maybeRestore(receiver);
    this.outbox.push(this.installSnapshotResponse(message, receiver.nextOffset, true, true));
  }

  /** Paper §7: install a received snapshot unless our log already covers it. */
  private maybeRestore(receiver: SnapshotReceiver): void {
    const { index, term, configuration } = receiver.metadata;
    if (index <= this.log.commitIndex) return;
    if (this.log.matchTerm(index, term)) {
      // Our log already holds that entry: it and everything before it is committed; keep the rest.
      if (this.log.commitTo(index)) this.onCommitAdvanced();
      return;
    }
    this.log.restore(receiver.complete());
    this.configurations.reset(index, configuration);
  }

  private installSnapshotResponse(
    message: InstallSnapshot,
    nextOffset: number,
    done: boolean,
    success: boolean,
  ): InstallSnapshotResponse {
    return {
      type: 'InstallSnapshotResponse',
      term: this.term,
      from: this.id,
      to: message.from,
      snapshotIndex: message.metadata.index,
      nextOffset,
      done,
      success,
      sequence: message.sequence,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Leader: proposals, commitment (paper §5.3, §5.4.2), reads (thesis §6.4)
  // -------------------------------------------------------------------------------------------

  private proposalRefusal(): DropReason | null {
    if (this.role !== 'leader') return 'not-leader';
    if (this.transferTarget !== null) return 'leadership-transfer-in-progress';
    return null;
  }

  private dropped(reason: DropReason): { accepted: false; reason: DropReason; leaderHint: NodeId | null } {
    return { accepted: false, reason, leaderHint: this.leaderId };
  }

  private appendAsLeader(entry: Entry): void {
    this.log.append(entry);
    this.appendBroadcastPending = true;
  }

  /**
   * Paper §5.3/§5.4.2 (fig. 8): commitIndex becomes the highest index stored on a majority of the
   * voters, but only if that entry is of the current term. Returns whether commitIndex moved.
   */
  private maybeCommit(): boolean {
    if (this.role !== 'leader') return false;
    const membership = this.configurations.latest;
    const matches = this.quorumScratch;
    matches.length = 0;
    for (const voter of membership.voters) {
      matches.push(
        voter === this.id ? this.log.lastStableIndex() : (this.progress.get(voter)?.matchIndex ?? 0),
      );
    }
    const index = quorumValue(matches, membership.quorum);
    if (index <= this.log.commitIndex) return false;
    if (!isBrokenVariant('commit-previous-term-by-counting') && this.log.term(index) !== this.term)
      return false;
    this.log.commitTo(index);
    this.onCommitAdvanced();
    return true;
  }

  private onCommitAdvanced(): void {
    this.configurations.pruneCommitted(this.log.commitIndex);
    if (this.role !== 'leader') return;
    this.commitBroadcastPending = true;
    this.onConfigurationChanged();
    if (!this.committedInCurrentTerm && this.log.term(this.log.commitIndex) === this.term) {
      this.committedInCurrentTerm = true;
      for (const context of this.reads.takeAwaitingCommit()) this.registerRead(context);
    }
  }

  /** Thesis §4.2.2: a leader removed from the configuration steps down once that removal commits. */
  private maybeStepDownAfterRemoval(): void {
    if (this.role !== 'leader' || this.isPromotable()) return;
    if (this.log.commitIndex >= this.configurations.latestIndex) this.becomeFollower(this.term, null);
  }

  /** Thesis §6.4 step 2: the read waits for a quorum to echo the NEXT heartbeat round. */
  private registerRead(context: number): void {
    if (isBrokenVariant('read-confirmed-by-earlier-round')) {
      this.reads.add(context, this.log.commitIndex, this.sequence);
      this.heartbeatPending = true;
      return;
    }
    this.reads.add(context, this.log.commitIndex, this.sequence + 1);
    this.heartbeatPending = true;
  }

  /** Thesis §6.4 step 3: reads whose heartbeat round a quorum of voters (leader included) echoed. */
  private confirmReads(): void {
    if (this.reads.size === 0) return;
    const membership = this.configurations.latest;
    const sequences = this.quorumScratch;
    sequences.length = 0;
    for (const voter of membership.voters) {
      sequences.push(voter === this.id ? this.sequence : (this.progress.get(voter)?.sequenceEchoed ?? 0));
    }
    this.reads.confirmThrough(quorumValue(sequences, membership.quorum), this.readStates);
  }

  // -------------------------------------------------------------------------------------------
  // Leader: replication (etcd Progress: probe / replicate / snapshot)
  // -------------------------------------------------------------------------------------------

  private newProgress(nextIndex: LogIndex): Progress {
    return new Progress(nextIndex, this.config.maxInflightMessages, this.config.maxInflightBytes);
  }

  /**
   * Builds this Ready's AppendEntries: proposals since the last Ready travel together (batching);
   * then one heartbeat round (or commit notice) to followers that got nothing else.
   */
  private flushLeaderMessages(): void {
    if (this.role !== 'leader') return;
    if (this.heartbeatPending) {
      this.sequence += 1;
      // Thesis §6.4: messages built earlier for this Ready (hasReady() flushes too) carry the previous
      // round, which cannot confirm reads registered since; every follower needs one of the new round.
      for (const progress of this.progress.values()) progress.messagedThisReady = false;
    }
    for (const [id, progress] of this.progress) {
      if (this.appendBroadcastPending || progress.needsAppend) {
        progress.needsAppend = false;
        this.sendAppendEntries(id, progress);
      }
    }
    this.appendBroadcastPending = false;
    if (this.heartbeatPending || this.commitBroadcastPending) {
      for (const [id, progress] of this.progress) {
        if (progress.messagedThisReady) continue;
        if (this.heartbeatPending || progress.state === 'replicate') this.sendHeartbeat(id, progress);
      }
    }
    this.heartbeatPending = false;
    this.commitBroadcastPending = false;
    this.confirmReads();
  }

  /** Sends what the follower's state allows: one probe, a pipeline of batches, or a snapshot. */
  private sendAppendEntries(to: NodeId, progress: Progress): void {
    while (!progress.isPaused()) {
      const prevLogIndex = progress.nextIndex - 1;
      const prevLogTerm = this.log.term(prevLogIndex);
      if (prevLogTerm === undefined) {
        this.startSnapshotTransfer(to, progress);
        return;
      }
      const lastIndex = this.log.lastIndex();
      let entries: Entry[] = [];
      if (progress.nextIndex <= lastIndex) {
        entries = this.log.slice(progress.nextIndex, lastIndex + 1, this.config.maxMessageEntriesBytes);
      } else if (!progress.needsEmptyAppend) {
        return;
      }
      progress.needsEmptyAppend = false;
      this.outbox.push({
        type: 'AppendEntries',
        term: this.term,
        from: this.id,
        to,
        prevLogIndex,
        prevLogTerm,
        entries,
        leaderCommit: this.log.commitIndex,
        sequence: this.sequence,
      });
      const lastSent = entries[entries.length - 1];
      progress.onSent(lastSent === undefined ? prevLogIndex : lastSent.index, entriesBytes(entries));
      if (lastSent === undefined) return;
    }
  }

  /** An empty AppendEntries at the follower's matchIndex: cannot be rejected by a correct follower. */
  private sendHeartbeat(to: NodeId, progress: Progress): void {
    let prevLogIndex = progress.matchIndex;
    let prevLogTerm = this.log.term(prevLogIndex);
    if (prevLogTerm === undefined) {
      prevLogIndex = 0;
      prevLogTerm = 0;
    }
    this.outbox.push({
      type: 'AppendEntries',
      term: this.term,
      from: this.id,
      to,
      prevLogIndex,
      prevLogTerm,
      entries: [],
      leaderCommit: this.log.commitIndex,
      sequence: this.sequence,
    });
    progress.messagedThisReady = true;
  }

  private handleAppendEntriesResponse(message: AppendEntriesResponse): void {
    const progress = this.progress.get(message.from);
    if (progress === undefined || message.matchIndex > this.log.lastIndex()) return;
    const newRound = this.onFollowerHeard(progress, message.sequence);
    if (message.success) this.onAppendAccepted(message.from, progress, message.matchIndex);
    else this.onAppendRejected(progress, message);
    if (newRound) this.onHeartbeatRoundAnswered(progress);
  }

  /** Any answer in our term shows the follower accepts us as leader (thesis §6.2, §6.4). */
  private onFollowerHeard(progress: Progress, sequence: number): boolean {
    progress.recentlyActive = true;
    if (sequence <= progress.sequenceEchoed || sequence > this.sequence) return false;
    progress.sequenceEchoed = sequence;
    this.confirmReads();
    return true;
  }

  private onAppendAccepted(id: NodeId, progress: Progress, matchIndex: LogIndex): void {
    const updated = progress.maybeUpdate(matchIndex);
    if (progress.state === 'probe' && (updated || matchIndex >= progress.nextIndex - 1)) {
      progress.becomeReplicate();
    } else if (progress.state === 'snapshot' && progress.matchIndex >= this.log.firstIndex() - 1) {
      progress.becomeReplicate();
    } else if (progress.state === 'replicate') {
      progress.inflights.freeTo(progress.matchIndex);
    }
    if (updated) this.maybeCommit();
    if (progress.matchIndex < this.log.lastIndex()) progress.needsAppend = true;
    this.maybeSendTimeoutNow(id, progress);
  }

  /** Fast backtracking (paper §5.3 end, thesis §5.3): skip a whole conflicting term per round trip. */
  private onAppendRejected(progress: Progress, message: AppendEntriesResponse): void {
    const rejectedIndex = message.matchIndex;
    if (progress.state === 'snapshot') return;
    if (progress.state === 'replicate' && rejectedIndex <= progress.matchIndex) return;
    if (progress.state === 'probe' && rejectedIndex !== progress.nextIndex - 1) return;
    progress.becomeProbe(Math.min(this.nextIndexAfterRejection(rejectedIndex, message), rejectedIndex));
    progress.needsAppend = true;
  }

  private nextIndexAfterRejection(rejectedIndex: LogIndex, message: AppendEntriesResponse): LogIndex {
    if (message.conflictTerm === 0) return message.lastLogIndex + 1;
    const floor = this.log.firstIndex() - 1;
    let index = Math.min(rejectedIndex, this.log.lastIndex());
    while (index > floor && this.log.term(index)! > message.conflictTerm) index -= 1;
    if (this.log.term(index) === message.conflictTerm) return index + 1;
    return message.conflictIndex;
  }

  /** Once per heartbeat round: unstick a follower whose acknowledgements were lost. */
  private onHeartbeatRoundAnswered(progress: Progress): void {
    progress.probeSent = false;
    if (progress.state === 'replicate' && progress.inflights.isFull()) progress.inflights.freeFirstOne();
    if (progress.state !== 'snapshot' && progress.matchIndex < this.log.lastIndex()) {
      progress.needsAppend = true;
      progress.needsEmptyAppend = true;
    }
  }

  private maybeSendTimeoutNow(to: NodeId, progress: Progress): boolean {
    if (this.transferTarget !== to || progress.matchIndex !== this.log.lastIndex()) return false;
    this.outbox.push({ type: 'TimeoutNow', term: this.term, from: this.id, to });
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Leader: snapshots (paper §7, thesis §5)
  // -------------------------------------------------------------------------------------------

  private startSnapshotTransfer(to: NodeId, progress: Progress): void {
    const reader = this.snapshots.openSnapshot();
    const compactedThrough = this.log.firstIndex() - 1;
    assert(
      reader.metadata.index >= compactedThrough,
      () =>
        `${this.id}: snapshot at ${reader.metadata.index} does not cover the compacted log (${compactedThrough})`,
    );
    progress.becomeSnapshot(new SnapshotTransfer(reader));
    this.sendSnapshotChunk(to, progress);
  }

  private sendSnapshotChunk(to: NodeId, progress: Progress): void {
    const transfer = progress.snapshotTransfer!;
    const { data, done } = transfer.readChunk(this.config.snapshotChunkBytes);
    this.outbox.push({
      type: 'InstallSnapshot',
      term: this.term,
      from: this.id,
      to,
      metadata: transfer.metadata,
      offset: transfer.acknowledgedOffset,
      data,
      done,
      sequence: this.sequence,
    });
    transfer.ticksSinceProgress = 0;
    progress.messagedThisReady = true;
  }

  private handleInstallSnapshotResponse(message: InstallSnapshotResponse): void {
    const progress = this.progress.get(message.from);
    if (progress === undefined) return;
    const newRound = this.onFollowerHeard(progress, message.sequence);
    const transfer = progress.snapshotTransfer;
    if (transfer !== null && message.snapshotIndex === transfer.metadata.index) {
      if (message.done && message.success) {
        // The follower holds everything through the snapshot: probe onwards from there.
        progress.maybeUpdate(transfer.metadata.index);
        progress.becomeProbe(transfer.metadata.index + 1);
        progress.needsAppend = true;
        this.maybeCommit();
      } else if (!message.success || message.nextOffset !== transfer.acknowledgedOffset) {
        // Resume where the follower says it is, also when that is behind us (paper §7: it writes a
        // chunk only at its next offset). A stale answer (a delayed one, or one from before the
        // follower restarted) may have moved us past it; its current answers bring us back, and a
        // stale one that moves us back costs one resent chunk. Equal offsets: a duplicate answer.
        transfer.acknowledgedOffset = message.success ? message.nextOffset : 0;
        this.sendSnapshotChunk(message.from, progress);
      }
    }
    if (newRound) this.onHeartbeatRoundAnswered(progress);
  }

  // -------------------------------------------------------------------------------------------
  // Membership (thesis ch. 4)
  // -------------------------------------------------------------------------------------------

  /**
   * The leader replicates to the other members of the latest configuration (thesis §4.1), and to
   * members it is removing until that removal commits, so they learn of it and stop campaigning.
   */
  private onConfigurationChanged(): void {
    if (this.role !== 'leader') return;
    const membership = this.configurations.latest;
    for (const [id, progress] of this.progress) {
      if (this.isReplicationTarget(id)) continue;
      progress.closeSnapshotTransfer();
      this.progress.delete(id);
    }
    const nextIndex = this.log.lastIndex() + 1;
    for (const member of membership.configuration.members) {
      if (member.id !== this.id && !this.progress.has(member.id)) {
        const progress = this.newProgress(nextIndex);
        progress.needsAppend = true;
        this.progress.set(member.id, progress);
      }
    }
    if (this.transferTarget !== null && !membership.isVoter(this.transferTarget)) this.transferTarget = null;
  }

  private isReplicationTarget(id: NodeId): boolean {
    if (this.configurations.latest.has(id)) return true;
    const removing = this.configurations.latestIndex > this.log.commitIndex;
    return removing && this.configurations.previous?.has(id) === true;
  }

  // -------------------------------------------------------------------------------------------
  // State views and invariants
  // -------------------------------------------------------------------------------------------

  private hardState(): HardState {
    return { term: this.term, votedFor: this.votedFor, commitIndex: this.log.commitIndex };
  }

  private softState(): SoftState {
    return { role: this.role, term: this.term, leaderId: this.leaderId };
  }

  /** Assertions at the end of every tick/step/propose/advance: a failure is a bug in this file. */
  private checkInvariants(): void {
    const id = this.id;
    assert(this.term >= this.highestTermSeen, () => `${id}: term went back to ${this.term}`);
    this.highestTermSeen = this.term;
    const lastIndex = this.log.lastIndex();
    const { commitIndex, appliedIndex } = this.log;
    assert(commitIndex <= lastIndex, () => `${id}: commitIndex ${commitIndex} > lastIndex ${lastIndex}`);
    if (!isBrokenVariant('apply-before-commit')) {
      assert(
        appliedIndex <= commitIndex,
        () => `${id}: appliedIndex ${appliedIndex} > commitIndex ${commitIndex}`,
      );
    }
    const membership: Membership = this.configurations.latest;
    assert(
      membership.configuration.members.length === 0 || membership.voters.length > 0,
      () => `${id}: configuration without a voter`,
    );
    if (this.role !== 'leader') {
      assert(this.progress.size === 0, () => `${id}: ${this.role} keeps leader progress`);
      return;
    }
    assert(this.leaderId === id, () => `${id}: leader with leaderId ${this.leaderId}`);
    assert(this.log.lastStableIndex() <= lastIndex, () => `${id}: own match index beyond lastIndex`);
    for (const [follower, progress] of this.progress) {
      assert(
        progress.matchIndex <= lastIndex &&
          progress.nextIndex > progress.matchIndex &&
          progress.nextIndex <= lastIndex + 1,
        () =>
          `${id}: progress of ${follower} match ${progress.matchIndex} next ${progress.nextIndex} last ${lastIndex}`,
      );
      assert(this.isReplicationTarget(follower), () => `${id}: progress for non-member ${follower}`);
      assert(
        (progress.state === 'snapshot') === (progress.snapshotTransfer !== null),
        () =>
          `${id}: progress of ${follower} in ${progress.state} with transfer ${progress.snapshotTransfer !== null}`,
      );
    }
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.votedFor === b.votedFor && a.commitIndex === b.commitIndex;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.term === b.term && a.leaderId === b.leaderId;
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

function validateConfig(config: RaftConfig): void {
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
