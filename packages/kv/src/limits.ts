// The named limits of the KV state machine. Every node of a cluster must use the SAME limits: they
// decide command results, so differing limits would make replicas diverge. Constants only, no logic.

export interface KvLimits {
  /** Longest user key, in bytes. */
  readonly keyBytesMax: number;
  /** Longest value, in bytes. */
  readonly valueBytesMax: number;
  /** Most compares plus operations (both branches) in one transaction. */
  readonly operationsPerTransactionMax: number;
  /** Largest `limit` a range scan may ask for. */
  readonly rangeLimitMax: number;
  /** Longest client id of a session, in UTF-8 bytes. */
  readonly clientIdBytesMax: number;
  /** Most client sessions kept; a new session beyond this evicts the least recently used (thesis §6.3). */
  readonly sessionsMax: number;
  /** Most remembered results per session (sequences ≥ firstUnacknowledgedSequence that may write). */
  readonly resultsPerSessionMax: number;
  /** A session not used for this many applied log entries expires (log progress, never wall clock, §6.3). */
  readonly sessionExpiryEntries: number;
}

/** LMDB keys hold at most 511 bytes (MDB_MAXKEYSIZE) and the store prefixes user keys with one byte. */
export const keyBytesMax = 510;
export const valueBytesMax = 1024 * 1024;
export const operationsPerTransactionMax = 128;
export const rangeLimitMax = 10_000;
export const clientIdBytesMax = 128;
export const sessionsMax = 10_000;
export const resultsPerSessionMax = 1024;
export const sessionExpiryEntries = 1_000_000;

export const defaultKvLimits: KvLimits = {
  keyBytesMax,
  valueBytesMax,
  operationsPerTransactionMax,
  rangeLimitMax,
  clientIdBytesMax,
  sessionsMax,
  resultsPerSessionMax,
  sessionExpiryEntries,
};
