// ReadIndex requests on the leader (thesis §6.4): those waiting for the leader's first commit in its
// term, then those waiting for a quorum to echo a heartbeat sequence. A request is the leader's own
// (`from` null: answered with a ReadState) or a follower's (thesis §6.4.1: answered with a
// ReadIndexResponse). FIFO; no I/O.
import type { LogIndex, NodeId } from '../types.js';

/** Who asked: the leader's own read (its context) or a follower's request (its request id). */
export interface ReadRequester {
  readonly context: number;
  readonly from: NodeId | null;
}

export interface ConfirmedReadIndex extends ReadRequester {
  readonly index: LogIndex;
}

interface PendingRead extends ConfirmedReadIndex {
  readonly sequence: number;
}

export class ReadIndexQueue {
  /** Requests received before the leader committed an entry in its term (thesis §6.4 step 1). */
  private awaitingCommit: ReadRequester[] = [];
  /** Ascending by sequence. */
  private pending: PendingRead[] = [];
  private head = 0;

  get size(): number {
    return this.awaitingCommit.length + this.pending.length - this.head;
  }

  awaitCommit(requester: ReadRequester): void {
    this.awaitingCommit.push(requester);
  }

  /** Requests that waited for the first commit in the term; the queue forgets them. */
  takeAwaitingCommit(): ReadRequester[] {
    const requesters = this.awaitingCommit;
    this.awaitingCommit = [];
    return requesters;
  }

  add(requester: ReadRequester, index: LogIndex, sequence: number): void {
    this.pending.push({ context: requester.context, from: requester.from, index, sequence });
  }

  /** Hands every read whose sequence a quorum has echoed to `confirmed` (thesis §6.4 step 3). */
  confirmThrough(sequence: number, confirmed: (read: ConfirmedReadIndex) => void): void {
    while (this.head < this.pending.length && this.pending[this.head]!.sequence <= sequence) {
      const read = this.pending[this.head]!;
      this.head += 1;
      confirmed(read);
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
