// ReadIndex requests on the leader (thesis §6.4): those waiting for the leader's first commit in its
// term, then those waiting for a quorum to echo a heartbeat sequence. FIFO; no I/O.
import type { LogIndex, ReadState } from '../types.js';

interface PendingRead {
  readonly context: number;
  readonly index: LogIndex;
  readonly sequence: number;
}

export class ReadIndexQueue {
  /** Contexts received before the leader committed an entry in its term (thesis §6.4 step 1). */
  private awaitingCommit: number[] = [];
  /** Ascending by sequence. */
  private pending: PendingRead[] = [];
  private head = 0;

  get size(): number {
    return this.awaitingCommit.length + this.pending.length - this.head;
  }

  awaitCommit(context: number): void {
    this.awaitingCommit.push(context);
  }

  /** Contexts that waited for the first commit in the term; the queue forgets them. */
  takeAwaitingCommit(): number[] {
    const contexts = this.awaitingCommit;
    this.awaitingCommit = [];
    return contexts;
  }

  add(context: number, index: LogIndex, sequence: number): void {
    this.pending.push({ context, index, sequence });
  }

  /** Moves every read whose sequence a quorum has echoed into `out` (thesis §6.4 step 3). */
  confirmThrough(sequence: number, out: ReadState[]): void {
    while (this.head < this.pending.length && this.pending[this.head]!.sequence <= sequence) {
      const read = this.pending[this.head]!;
      out.push({ context: read.context, index: read.index });
      this.head += 1;
    }
    if (this.head === this.pending.length) {
      this.pending = [];
      this.head = 0;
    }
  }

  clear(): void {
    this.awaitingCommit = [];
    this.pending = [];
    this.head = 0;
  }
}
