// Linearizable reads in flight (thesis §6.4; at a follower §6.4.1): first waiting for the leader to
// confirm a read index with a quorum, then for the state machine to apply through that index, then
// served in order.
import type { RaftNode } from '../raft-node.js';
import { isBrokenVariant } from '../testing.js';
import type { DropReason, LogIndex, NodeId, ReadState, StateMachine } from '../types.js';

export type ReadResult<TResult> =
  | { readonly ok: true; readonly index: LogIndex; readonly result: TResult }
  | {
      readonly ok: false;
      readonly reason: DropReason | 'leadership-lost' | 'mailbox-full' | 'stopped';
      readonly leaderHint: NodeId | null;
    };

interface Read<TQuery, TResult> {
  readonly query: TQuery;
  readonly onResult: (result: ReadResult<TResult>) => void;
}

interface ConfirmedRead<TQuery, TResult> extends Read<TQuery, TResult> {
  readonly index: LogIndex;
}

export class PendingReads<TQuery, TResult> {
  private nextContext = 1;
  private readonly unconfirmed = new Map<number, Read<TQuery, TResult>>();
  /**
   * Ascending by index, served from the front. A leader confirms in that order (its commit index
   * never decreases); at a follower the leader's answers to two requests may arrive reordered, so
   * confirm() inserts a read with a lower index before the higher ones it overtook.
   */
  private confirmed: ConfirmedRead<TQuery, TResult>[] = [];

  constructor(private readonly stateMachine: StateMachine<TQuery, TResult>) {}

  request(node: RaftNode, query: TQuery, onResult: (result: ReadResult<TResult>) => void): void {
    const context = this.nextContext;
    this.nextContext += 1;
    const outcome = node.readIndex(context);
    if (!outcome.accepted) {
      onResult({ ok: false, reason: outcome.reason, leaderHint: outcome.leaderHint });
      return;
    }
    this.unconfirmed.set(context, { query, onResult });
  }

  /** `appliedIndex` is the state machine's now; reads wait in serveApplied until it reaches theirs. */
  confirm(readStates: readonly ReadState[], appliedIndex: LogIndex): void {
    for (const readState of readStates) {
      const read = this.unconfirmed.get(readState.context);
      if (read === undefined) continue;
      this.unconfirmed.delete(readState.context);
      if (isBrokenVariant('serve-read-before-applied') && readState.index > appliedIndex) {
        read.onResult({ ok: true, index: readState.index, result: this.stateMachine.query(read.query) });
        continue;
      }
      this.insertConfirmed({ ...read, index: readState.index });
    }
  }

  private insertConfirmed(read: ConfirmedRead<TQuery, TResult>): void {
    let position = this.confirmed.length;
    while (position > 0 && this.confirmed[position - 1]!.index > read.index) position -= 1;
    this.confirmed.splice(position, 0, read);
  }

  /** A follower's reads whose read index will never come (thesis §6.4.1): the client retries. */
  failAbandoned(contexts: readonly number[], leaderHint: NodeId | null): void {
    for (const context of contexts) {
      const read = this.unconfirmed.get(context);
      if (read === undefined) continue;
      this.unconfirmed.delete(context);
      read.onResult({ ok: false, reason: 'leadership-lost', leaderHint });
    }
  }

  /** Serves, in order, every confirmed read whose index the state machine has applied. */
  serveApplied(appliedIndex: LogIndex): void {
    let served = 0;
    while (served < this.confirmed.length && this.confirmed[served]!.index <= appliedIndex) {
      const read = this.confirmed[served]!;
      served += 1;
      read.onResult({ ok: true, index: read.index, result: this.stateMachine.query(read.query) });
    }
    if (served > 0) this.confirmed = this.confirmed.slice(served);
  }

  failUnconfirmed(reason: 'leadership-lost', leaderHint: NodeId | null): void {
    const reads = [...this.unconfirmed.values()];
    this.unconfirmed.clear();
    for (const read of reads) read.onResult({ ok: false, reason, leaderHint });
  }

  failAll(reason: 'stopped', leaderHint: NodeId | null): void {
    const reads = [...this.unconfirmed.values(), ...this.confirmed];
    this.unconfirmed.clear();
    this.confirmed = [];
    for (const read of reads) read.onResult({ ok: false, reason, leaderHint });
  }
}
