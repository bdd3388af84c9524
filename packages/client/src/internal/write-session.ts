// The client's exactly-once session (thesis §6.3, as @raftkv/kv defines it): one client id, sequences
// increasing from 1, and the lowest sequence still unanswered as firstUnacknowledgedSequence. The KV
// state machine creates a session only when sequence 1 applies, so writes wait until it has; a
// session that cannot be confirmed, or that the cluster expired, is replaced by a fresh client id.
import { randomUUID } from 'node:crypto';
import type { CommandSession } from '@raftkv/kv';
import { assert } from '@raftkv/raft';
import { KvClientError } from '../client-error.js';

/** How a write ended, as far as its session is concerned. */
export type WriteEnd =
  /** The state machine executed it (its session now exists). */
  | 'applied'
  /** Definitely or possibly not executed, or unknown: the session is confirmed only by 'applied'. */
  | 'not-applied'
  | 'unknown'
  /** The cluster no longer knows the session: every later write needs a new one. */
  | 'session-expired';

class Session {
  readonly clientId = randomUUID();
  nextSequence = 1;
  /** Sequences sent and not yet answered or abandoned. */
  readonly outstanding = new Set<number>();
  confirmed = false;
}

/** One write's place in a session; stamp() it on every attempt, end it exactly once. */
export interface WriteTicket {
  readonly session: Session;
  readonly sequence: number;
}

export class WriteSessions {
  private session = new Session();
  /** Settles when the write carrying sequence 1 of the current session ends. */
  private confirming: Promise<void> | null = null;
  private settleConfirming: () => void = () => {};

  /** Waits (at most until `deadline`) until writes may use the session, then takes the next sequence. */
  async begin(deadline: number): Promise<WriteTicket> {
    for (;;) {
      if (this.session.confirmed) return this.issue();
      if (this.confirming === null) {
        this.confirming = new Promise((resolve) => {
          this.settleConfirming = resolve;
        });
        return this.issue();
      }
      await waitUntil(this.confirming, deadline);
      if (Date.now() >= deadline) {
        throw new KvClientError('unavailable', 'timed out waiting for the client session to be confirmed');
      }
    }
  }

  stamp(ticket: WriteTicket): CommandSession {
    let firstUnacknowledgedSequence = ticket.sequence;
    for (const sequence of ticket.session.outstanding) {
      firstUnacknowledgedSequence = Math.min(firstUnacknowledgedSequence, sequence);
    }
    return { clientId: ticket.session.clientId, sequence: ticket.sequence, firstUnacknowledgedSequence };
  }

  end(ticket: WriteTicket, how: WriteEnd): void {
    const session = ticket.session;
    session.outstanding.delete(ticket.sequence);
    if (session !== this.session) return;
    if (!session.confirmed) {
      assert(ticket.sequence === 1, () => `sequence ${ticket.sequence} issued on an unconfirmed session`);
      if (how === 'applied') session.confirmed = true;
      else this.replaceSession();
      this.confirming = null;
      this.settleConfirming();
    } else if (how === 'session-expired') {
      this.replaceSession();
    }
  }

  private issue(): WriteTicket {
    const sequence = this.session.nextSequence;
    this.session.nextSequence += 1;
    this.session.outstanding.add(sequence);
    return { session: this.session, sequence };
  }

  /**
   * Sequence 1 of a session that is not known to exist must never be reused for another command:
   * a copy of the first may still apply and would answer for it (§6.3). A fresh client id avoids that.
   */
  private replaceSession(): void {
    this.session = new Session();
  }
}

async function waitUntil(settled: Promise<void>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
  });
  await Promise.race([settled, expired]);
  clearTimeout(timer);
}
