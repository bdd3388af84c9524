// Proposals waiting for their entry to be applied, keyed by log index. An entry of another term at
// that index means the proposal was truncated and can never commit (paper §5.4, leader completeness).
import type { DropReason, Entry, LogIndex, NodeId, ProposeOutcome, Term } from '../types.js';

export type ProposalResult<TResult> =
  | { readonly ok: true; readonly index: LogIndex; readonly term: Term; readonly result: TResult }
  | {
      readonly ok: false;
      /**
       * 'superseded': another entry was committed at its index, so it will never apply.
       * 'outcome-unknown': it may or may not apply (actor stopped, or a snapshot skipped over it).
       * 'mailbox-full' / 'stopped': never entered the log.
       */
      readonly reason: DropReason | 'superseded' | 'outcome-unknown' | 'mailbox-full' | 'stopped';
      readonly leaderHint: NodeId | null;
    };

interface Waiting<TResult> {
  readonly term: Term;
  readonly onResult: (result: ProposalResult<TResult>) => void;
}

export class PendingProposals<TResult> {
  private readonly waiting = new Map<LogIndex, Waiting<TResult>>();

  get size(): number {
    return this.waiting.size;
  }

  track(outcome: ProposeOutcome, onResult: (result: ProposalResult<TResult>) => void): void {
    if (!outcome.accepted) {
      onResult({ ok: false, reason: outcome.reason, leaderHint: outcome.leaderHint });
      return;
    }
    // A proposal from an earlier term at the same index was truncated by this leader's log.
    this.waiting.get(outcome.index)?.onResult({ ok: false, reason: 'superseded', leaderHint: null });
    this.waiting.set(outcome.index, { term: outcome.term, onResult });
  }

  /** Answers every waiting proposal whose index was just applied. */
  settle(entries: readonly Entry[], results: readonly TResult[]): void {
    if (this.waiting.size === 0) return;
    for (let i = 0; i < entries.length; i += 1) {
      const entry = entries[i]!;
      const waiting = this.waiting.get(entry.index);
      if (waiting === undefined) continue;
      this.waiting.delete(entry.index);
      if (waiting.term === entry.term) {
        waiting.onResult({ ok: true, index: entry.index, term: entry.term, result: results[i] as TResult });
      } else {
        waiting.onResult({ ok: false, reason: 'superseded', leaderHint: null });
      }
    }
  }

  /** Answers every waiting proposal at or below `index` (their entries were skipped, e.g. by a snapshot). */
  failThrough(index: LogIndex, reason: 'outcome-unknown'): void {
    for (const [waitingIndex, waiting] of this.waiting) {
      if (waitingIndex > index) continue;
      this.waiting.delete(waitingIndex);
      waiting.onResult({ ok: false, reason, leaderHint: null });
    }
  }

  failAll(reason: 'outcome-unknown'): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const waiting of all) waiting.onResult({ ok: false, reason, leaderHint: null });
  }
}
