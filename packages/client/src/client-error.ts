// KvClientError: the one error type KvClient throws, with a `code` that says whether the request had
// no effect, may have had one (outcome-unknown), or was refused definitely. Holds no retry logic.

import type { KvErrorCode } from '@raftkv/kv';
import type { RejectionReason } from '@raftkv/protocol';

export type KvClientErrorCode =
  /** A write (or membership change) may or may not have been applied; never reported as failed. */
  | 'outcome-unknown'
  /** No node could serve the request before the timeout; it definitely had no effect. */
  | 'unavailable'
  /** More not-leader redirects than maxRedirects; the request definitely had no effect. */
  | 'too-many-redirects'
  /** The client was closed while the request was waiting. */
  | 'closed'
  /** The encoded request exceeds the protocol's clientFrameBytesMax; it was not sent. */
  | 'request-too-large'
  /** The node refused the request as malformed. */
  | 'bad-request'
  | 'unsupported-version'
  /** The result would not fit in one frame: ask for less (a smaller range limit). */
  | 'response-too-large'
  /** A read's minRevision was not applied on the member within its request timeout; it was not served. */
  | 'revision-not-reached'
  /**
   * A member's disk or LMDB map is full (its no-space alarm, which the cluster records and then refuses
   * writes that add data); the write definitely had no effect.
   */
  | 'no-space'
  /** The cluster declined a well-formed request for a lasting reason; see `reason`. */
  | 'rejected'
  /** The node answered with a result of the wrong kind (a bug on one side). */
  | 'unexpected-response'
  /** The client was constructed or called with invalid arguments. */
  | 'invalid-argument'
  /** A KV typed error: a limit was exceeded, or the session was lost. */
  | KvErrorCode;

export class KvClientError extends Error {
  override readonly name = 'KvClientError';

  constructor(
    readonly code: KvClientErrorCode,
    message: string,
    /** Set when code is 'rejected'. */
    readonly reason: RejectionReason | null = null,
  ) {
    super(message);
  }

  /** True when the request may have taken effect; every other code means it definitely did not. */
  get outcomeUnknown(): boolean {
    return this.code === 'outcome-unknown';
  }
}
