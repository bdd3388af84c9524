// Test-only hook that switches on one deliberately broken variant of the protocol, so tests can
// prove the simulator catches it. Production code never calls setBrokenVariant; no configuration
// or environment variable reaches it.

export type BrokenVariant =
  /** Commits an entry from a previous term by counting replicas (violates paper §5.4.2 / fig. 8). */
  | 'commit-previous-term-by-counting'
  /** Grants a vote to a second candidate in the same term (violates paper §5.2). */
  | 'grant-two-votes-per-term'
  /** Grants votes without the candidate-log-up-to-date check (violates paper §5.4.1). */
  | 'skip-log-up-to-date-check'
  /** The actor sends messages before the Ready's state is durable (violates thesis §3.8). */
  | 'acknowledge-before-persisting'
  /** Hands entries to the state machine before they are committed (violates paper §5.3). */
  | 'apply-before-commit'
  /**
   * The write-ahead log (@raftkv/wal) acknowledges a durable append without its fdatasync, so a
   * power loss can drop state the node already acted on (violates thesis §3.8 / §10.2.1).
   */
  | 'persist-without-fdatasync'
  /** The write-ahead log's open treats the last complete, valid record as a torn tail and cuts it off. */
  | 'reopen-truncates-final-record'
  /**
   * @raftkv/kv's session table forgets the result of the oldest unacknowledged sequence too (an
   * inclusive bound where an exclusive one belongs), so its retry applies again (violates thesis §6.3).
   */
  | 'session-table-off-by-one'
  /** A candidate counts a granted vote response from an earlier term (violates paper §5.2, fig. 2). */
  | 'count-stale-vote-response'
  /** The leader accepts a configuration change while an earlier one is uncommitted (violates thesis §4.1). */
  | 'concurrent-configuration-change'
  /** A ReadIndex read is confirmed by a heartbeat round that began before it arrived (violates thesis §6.4). */
  | 'read-confirmed-by-earlier-round'
  /**
   * A read is served as soon as its read index is confirmed, before the state machine applied
   * through it: a lagging follower answers from stale state (violates thesis §6.4 step 4, §6.4.1).
   */
  | 'serve-read-before-applied'
  /**
   * The deferred KV commit (modelled by the simulator's store, as @raftkv/storage commits it) records
   * the applied index of the latest apply while the data it makes durable lacks that apply's writes:
   * after a crash the store claims an entry the log will not re-apply (paper §7, fig. 2: the log
   * rebuilds exactly what the state machine lost).
   */
  | 'deferred-commit-records-unwritten-apply'
  /**
   * @raftkv/kv does not remember a write its no-space alarm refused in the client's session, so a
   * retried copy applied after the alarm clears writes: one request both refused and applied
   * (violates thesis §6.3).
   */
  | 'alarm-refusal-not-remembered';

export const brokenVariants: readonly BrokenVariant[] = [
  'commit-previous-term-by-counting',
  'grant-two-votes-per-term',
  'skip-log-up-to-date-check',
  'acknowledge-before-persisting',
  'apply-before-commit',
  'persist-without-fdatasync',
  'reopen-truncates-final-record',
  'session-table-off-by-one',
  'count-stale-vote-response',
  'concurrent-configuration-change',
  'read-confirmed-by-earlier-round',
  'serve-read-before-applied',
  'deferred-commit-records-unwritten-apply',
  'alarm-refusal-not-remembered',
];

let active: BrokenVariant | null = null;

export function setBrokenVariant(variant: BrokenVariant | null): void {
  active = variant;
}

/** Internal: whether `variant` is switched on. Always false outside tests. */
export function isBrokenVariant(variant: BrokenVariant): boolean {
  return active === variant;
}
