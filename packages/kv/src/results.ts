// The results of KV commands and queries: plain data (msgpack-friendly) carrying the store revision
// like etcd's response header. Expected failures are typed error values here, never exceptions.

/** A user key with its value and per-key revisions (etcd mvccpb.KeyValue). */
export interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** The store revision of the put that created the key (since its last delete). */
  readonly createRevision: number;
  /** The store revision of the last put to the key. */
  readonly modRevision: number;
  /** Puts since creation: 1 after the creating put; a delete resets it (the key is gone). */
  readonly version: number;
}

export type StepResult =
  | { readonly type: 'put'; readonly previous: KeyValue | null }
  | { readonly type: 'get'; readonly keyValue: KeyValue | null }
  | { readonly type: 'delete'; readonly deleted: boolean; readonly previous: KeyValue | null }
  | { readonly type: 'range'; readonly keyValues: readonly KeyValue[]; readonly more: boolean };

/** A member's active alarm as the replicated state holds it (etcd's AlarmMember). */
export interface MemberAlarm {
  readonly member: string;
  readonly alarm: 'no-space';
  readonly reason: 'disk-full' | 'map-full';
  /** ISO 8601: when the member raised it (the activating command's time; kept on re-activation). */
  readonly since: string;
}

export type OperationResult =
  | StepResult
  /** The cluster's active alarms after an alarm command, ordered by member. */
  | { readonly type: 'alarm'; readonly alarms: readonly MemberAlarm[] }
  /** `current` is the key-value that failed the expectation (null on success, or if the key is missing). */
  | { readonly type: 'compareAndSwap'; readonly succeeded: boolean; readonly current: KeyValue | null }
  | { readonly type: 'transaction'; readonly succeeded: boolean; readonly results: readonly StepResult[] };

export type KvErrorCode =
  /** The command bytes are not msgpack, or do not match the command schema. */
  | 'malformed-command'
  | 'key-too-large'
  | 'value-too-large'
  | 'too-many-operations'
  | 'range-limit-too-large'
  | 'client-id-too-large'
  /** The command's session is unknown (expired or evicted) and its sequence is not 1 (thesis §6.3). */
  | 'session-expired'
  /** The session already holds resultsPerSessionMax unacknowledged results; retry after acknowledging. */
  | 'session-results-full'
  /** The sequence is below the session's firstUnacknowledgedSequence: a stale duplicate. */
  | 'sequence-acknowledged'
  /**
   * A no-space alarm is active in the cluster (some member's disk or KV map is full): a command that
   * could add data (a put, a compare-and-swap, a transaction with a put) is refused until it is
   * deactivated. Deletes and reads still run (etcd's NOSPACE).
   */
  | 'no-space';

export interface KvError {
  readonly code: KvErrorCode;
  readonly message: string;
}

/** One command's or query's outcome; `revision` is the store revision after it. */
export type KvResult =
  | { readonly ok: true; readonly revision: number; readonly result: OperationResult }
  | { readonly ok: false; readonly revision: number; readonly error: KvError };
