// The actor shell around RaftNode: a bounded mailbox of events and one Ready cycle per turn
// (persist → send → apply → answer → advance). Synchronous, so the simulator runs this very code;
// timers, sockets and promises live in apps and adapters, which only call deliver() and runTurn().
import { assert } from './assert.js';
import { Mailbox } from './internal/mailbox.js';
import { PendingProposals, type ProposalResult } from './internal/pending-proposals.js';
import { PendingReads, type ReadResult } from './internal/pending-reads.js';
import { RaftNode } from './raft-node.js';
import type { NodeStatus } from './status.js';
import { isBrokenVariant } from './testing.js';
import type {
  Entry,
  LogStorage,
  MembershipChange,
  Message,
  NodeId,
  Prng,
  RaftConfig,
  Ready,
  SoftState,
  StateMachine,
  Term,
  TransferOutcome,
  Transport,
} from './types.js';

export type { ProposalResult, ReadResult };

export type ActorEvent<TQuery, TResult> =
  | { readonly type: 'tick' }
  | { readonly type: 'message'; readonly message: Message }
  | {
      readonly type: 'propose';
      readonly data: Uint8Array;
      readonly onResult: (result: ProposalResult<TResult>) => void;
    }
  | {
      readonly type: 'read';
      readonly query: TQuery;
      readonly onResult: (result: ReadResult<TResult>) => void;
    }
  | {
      readonly type: 'changeMembership';
      readonly change: MembershipChange;
      readonly onResult: (result: ProposalResult<TResult>) => void;
    }
  | {
      readonly type: 'transferLeadership';
      readonly to: NodeId;
      readonly onResult: (result: TransferOutcome) => void;
    };

/** Hooks for checkers, metrics and logs; each runs synchronously inside the turn. */
export interface RaftActorObserver {
  onSoftState?(id: NodeId, softState: SoftState): void;
  onPersisted?(id: NodeId, ready: Ready): void;
  onApplied?(id: NodeId, entries: readonly Entry[]): void;
}

export interface CompactionPolicy {
  /** Compact once more than this many applied entries sit in the log. */
  readonly thresholdEntries: number;
  /**
   * Keep this many applied entries so slightly lagging followers catch up without a snapshot. The
   * leader also keeps every entry a follower it sent a snapshot needs to catch up
   * (RaftNode.compactionLimit).
   */
  readonly trailingEntries: number;
}

export interface RaftActorOptions<TQuery, TResult> {
  readonly config: RaftConfig;
  readonly storage: LogStorage;
  readonly stateMachine: StateMachine<TQuery, TResult>;
  readonly transport: Transport;
  readonly random: Prng;
  readonly mailboxCapacity?: number;
  readonly compaction?: CompactionPolicy;
  readonly observer?: RaftActorObserver;
}

export const mailboxCapacityDefault = 100_000;
export const compactionDefault: CompactionPolicy = { thresholdEntries: 10_000, trailingEntries: 1_000 };

export class RaftActor<TQuery = unknown, TResult = unknown> {
  private readonly mailbox: Mailbox<ActorEvent<TQuery, TResult>>;
  private readonly proposals = new PendingProposals<TResult>();
  private readonly reads: PendingReads<TQuery, TResult>;
  private stopped = false;
  /** The term of the last softState seen: a leader's term changes only if it stopped leading. */
  private softStateTerm: Term;
  /** Term and vote as last persisted: a leader may send AppendEntries early only if this Ready keeps them. */
  private durableTerm: Term;
  private durableVotedFor: NodeId | null;

  private constructor(
    private readonly options: RaftActorOptions<TQuery, TResult>,
    private readonly node: RaftNode,
  ) {
    this.mailbox = new Mailbox(options.mailboxCapacity ?? mailboxCapacityDefault);
    this.reads = new PendingReads(options.stateMachine);
    this.softStateTerm = node.status().term;
    const { hardState } = options.storage.initialState();
    this.durableTerm = hardState.term;
    this.durableVotedFor = hardState.votedFor;
  }

  static start<TQuery, TResult>(options: RaftActorOptions<TQuery, TResult>): RaftActor<TQuery, TResult> {
    reconcileStateMachineAhead(options.storage, options.stateMachine);
    const node = RaftNode.start({
      config: options.config,
      log: options.storage,
      snapshots: options.stateMachine,
      random: options.random,
      appliedIndex: options.stateMachine.appliedIndex(),
    });
    return new RaftActor(options, node);
  }

  get id(): NodeId {
    return this.options.config.id;
  }

  /** Enqueues an event. False when the mailbox is full or the actor stopped; clients are answered at once. */
  deliver(event: ActorEvent<TQuery, TResult>): boolean {
    if (!this.stopped && this.mailbox.push(event)) return true;
    const reason = this.stopped ? 'stopped' : 'mailbox-full';
    if (event.type === 'propose' || event.type === 'changeMembership' || event.type === 'read') {
      event.onResult({ ok: false, reason, leaderHint: null });
    } else if (event.type === 'transferLeadership') {
      event.onResult({ accepted: false, reason: 'not-leader', leaderHint: null });
    }
    return false;
  }

  /** Whether a turn would do anything now. */
  hasWork(): boolean {
    return !this.stopped && (this.mailbox.length > 0 || this.node.hasReady());
  }

  /** Drains the mailbox, then runs one Ready cycle. Returns whether anything happened. */
  runTurn(): boolean {
    if (this.stopped) return false;
    let acted = false;
    for (let event = this.mailbox.shift(); event !== undefined; event = this.mailbox.shift()) {
      this.handle(event);
      acted = true;
    }
    if (!this.node.hasReady()) return acted;
    this.runReadyCycle(this.node.ready());
    return true;
  }

  status(): NodeStatus {
    return this.node.status();
  }

  /** Stops accepting events; every waiting client learns its outcome is unknown or its read failed. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (let event = this.mailbox.shift(); event !== undefined; event = this.mailbox.shift()) {
      if (event.type === 'propose' || event.type === 'changeMembership' || event.type === 'read') {
        event.onResult({ ok: false, reason: 'stopped', leaderHint: null });
      }
    }
    this.proposals.failAll('outcome-unknown');
    this.reads.failAll('stopped', null);
  }

  private handle(event: ActorEvent<TQuery, TResult>): void {
    switch (event.type) {
      case 'tick':
        this.node.tick();
        return;
      case 'message':
        this.node.step(event.message);
        return;
      case 'propose':
        this.proposals.track(this.node.propose(event.data), event.onResult);
        return;
      case 'changeMembership':
        this.proposals.track(this.node.changeMembership(event.change), event.onResult);
        return;
      case 'read':
        this.reads.request(this.node, event.query, event.onResult);
        return;
      case 'transferLeadership':
        event.onResult(this.node.transferLeadership(event.to));
        return;
    }
  }

  /**
   * One Ready cycle (thesis §3.8, §10.2.1): a received snapshot is installed into the state machine
   * before the log is reset (so a crash in between leaves a state machine AHEAD of the log, which
   * start() repairs, never one behind a compacted log); state is durable before any message that
   * depends on it leaves; committed entries are applied only after their persist. The cycle reads
   * persist (durable when LogStorage.persist returns) → send → apply → answer → advance: messages
   * leave as soon as the persist is durable, before the apply (no message depends on the applied
   * state), and a leader's AppendEntries even before the persist (thesis §10.2.1). The state
   * machine's store may make the apply durable later (see StateMachine): the log re-applies it.
   */
  private runReadyCycle(ready: Ready): void {
    const { stateMachine, transport, observer } = this.options;
    const id = this.options.config.id;
    const acknowledgeBeforePersisting = isBrokenVariant('acknowledge-before-persisting');
    let afterPersist = ready.messages;
    if (acknowledgeBeforePersisting && ready.messages.length > 0) {
      transport.send(ready.messages);
      afterPersist = [];
    } else if (this.keepsDurableTermAndVote(ready)) {
      afterPersist = this.sendAppendEntriesEarly(ready.messages);
    }
    if (ready.snapshot !== null) {
      stateMachine.restore(ready.snapshot);
      this.proposals.failThrough(ready.snapshot.metadata.index, 'outcome-unknown');
    }
    this.persist(ready);
    if (afterPersist.length > 0) transport.send(afterPersist);
    if (ready.committedEntries.length > 0) this.apply(ready.committedEntries);
    if (ready.softState !== null) observer?.onSoftState?.(id, ready.softState);
    this.reads.confirm(ready.readStates, stateMachine.appliedIndex());
    if (ready.abandonedReads.length > 0) {
      const leaderHint = ready.softState?.leaderId ?? this.node.status().leaderId;
      this.reads.failAbandoned(ready.abandonedReads, leaderHint);
    }
    if (ready.softState !== null) {
      // The core drops unconfirmed reads when it stops leading (thesis §6.4): fail them here. A new
      // term also means it stopped leading, even if it leads again by now (e.g. a single voter
      // re-elected within one turn); reads accepted after that re-election fail too (rare, retried).
      const termChanged = ready.softState.term !== this.softStateTerm;
      this.softStateTerm = ready.softState.term;
      if (ready.softState.role !== 'leader' || termChanged) {
        this.reads.failUnconfirmed('leadership-lost', ready.softState.leaderId);
      }
    }
    this.node.advance(ready);
    this.reads.serveApplied(stateMachine.appliedIndex());
    this.maybeCompact();
  }

  /** Writes the Ready's snapshot point, entries and hard state (one storage call, paper fig. 2). */
  private persist(ready: Ready): void {
    if (ready.hardState === null && ready.entries.length === 0 && ready.snapshot === null) return;
    this.options.storage.persist({
      hardState: ready.hardState,
      entries: ready.entries,
      snapshot: ready.snapshot?.metadata ?? null,
    });
    this.options.observer?.onPersisted?.(this.options.config.id, ready);
    if (ready.hardState !== null) {
      this.durableTerm = ready.hardState.term;
      this.durableVotedFor = ready.hardState.votedFor;
    }
  }

  /** Whether persisting this Ready leaves the durable term and vote as they are. */
  private keepsDurableTermAndVote(ready: Ready): boolean {
    return (
      ready.hardState === null ||
      (ready.hardState.term === this.durableTerm && ready.hardState.votedFor === this.durableVotedFor)
    );
  }

  /**
   * Thesis §10.2.1: a leader may write its log in parallel with replication, because the core counts
   * the leader's own log toward commitment only after advance(), i.e. once it is durable. So the
   * leader's AppendEntries leave before the persist; everything else (votes, responses, snapshots,
   * TimeoutNow) still waits for it. Only when this Ready keeps the durable term and vote: a message
   * must never carry a term that a crash could make the sender forget (paper fig. 2).
   * Returns the messages still to send after the persist.
   */
  private sendAppendEntriesEarly(messages: readonly Message[]): readonly Message[] {
    let early = 0;
    for (const message of messages) if (message.type === 'AppendEntries') early += 1;
    if (early === 0) return messages;
    if (early === messages.length) {
      this.options.transport.send(messages);
      return [];
    }
    this.options.transport.send(messages.filter((message) => message.type === 'AppendEntries'));
    return messages.filter((message) => message.type !== 'AppendEntries');
  }

  private apply(entries: readonly Entry[]): void {
    const { stateMachine, observer } = this.options;
    const applied = stateMachine.appliedIndex();
    const first = entries.findIndex((entry) => entry.index > applied);
    if (first === -1) return;
    const fresh = first === 0 ? entries : entries.slice(first);
    const results = stateMachine.apply(fresh);
    assert(
      results.length === fresh.length,
      () => `state machine returned ${results.length} results for ${fresh.length} entries`,
    );
    observer?.onApplied?.(this.options.config.id, fresh);
    this.proposals.settle(fresh, results);
  }

  private maybeCompact(): void {
    const policy = this.options.compaction;
    if (policy === undefined) return;
    const { storage, stateMachine } = this.options;
    const applied = stateMachine.appliedIndex();
    if (applied - storage.firstIndex() + 1 <= policy.thresholdEntries) return;
    // Never past what a follower now receiving a snapshot needs next (paper §7), or it would need
    // another snapshot as soon as this one is installed.
    const compactThrough = Math.min(applied - policy.trailingEntries, this.node.compactionLimit());
    if (compactThrough >= storage.firstIndex()) storage.compact(compactThrough);
  }
}

/**
 * After a crash between installing a snapshot into the state machine and resetting the log, the
 * state machine is ahead of (or diverges from) the log: make the log start after its snapshot.
 */
function reconcileStateMachineAhead(storage: LogStorage, stateMachine: StateMachine<unknown, unknown>): void {
  const applied = stateMachine.appliedIndex();
  if (applied === 0) return;
  const compactedThrough = storage.firstIndex() - 1;
  assert(
    applied >= compactedThrough,
    () => `state machine applied index ${applied} is behind the log's compaction point ${compactedThrough}`,
  );
  const reader = stateMachine.openSnapshot();
  try {
    const { metadata } = reader;
    if (applied <= storage.lastIndex() && storage.term(applied) === metadata.term) return;
    storage.persist({ hardState: null, entries: [], snapshot: metadata });
  } finally {
    reader.close();
  }
}
