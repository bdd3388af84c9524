// The port between the KV state machine's logic and the bytes that hold its state: an ordered map
// of byte keys with atomic write transactions that also record the applied log position, made
// durable by the store's own commit policy (the log, not this store, is the durable record).
// Implemented by MemoryKvStore (in-memory double, for tests and the simulator) and by the LMDB store.
import type { Configuration, LogIndex, Term } from '@raftkv/raft';

/** Where the state machine stands in the Raft log; written in the same transaction as the data. */
export interface StoreMetadata {
  readonly appliedIndex: LogIndex;
  readonly appliedTerm: Term;
  /** The latest configuration among applied entries (null before any), for snapshot metadata. */
  readonly configuration: Configuration | null;
}

/**
 * Reads over one consistent view. Keys compare as unsigned bytes, lexicographically. Reads through
 * the store see every write that returned, durable or not; whether they see a write still in
 * progress is up to the store (the LMDB store's do) — read through its writer instead.
 */
export interface KvStoreReader {
  get(key: Uint8Array): Uint8Array | undefined;
  /** Pairs with start ≤ key < end (end null = no upper bound), ascending, at most `limit` of them. */
  range(start: Uint8Array, end: Uint8Array | null, limit: number): Array<[Uint8Array, Uint8Array]>;
}

/** A write transaction: reads see this transaction's own writes. */
export interface KvStoreWriter extends KvStoreReader {
  /** Copies `key` and `value` before returning: the caller may reuse or change its arrays afterwards. */
  put(key: Uint8Array, value: Uint8Array): void;
  delete(key: Uint8Array): void;
}

/** A consistent point-in-time view for streaming a snapshot; must be closed. */
export interface KvStoreSnapshotView {
  readonly metadata: StoreMetadata;
  /** Every pair, ascending by key. */
  entries(): Iterable<[Uint8Array, Uint8Array]>;
  close(): void;
}

export interface KvStore extends KvStoreReader {
  metadata(): StoreMetadata;
  /**
   * Runs `body` in one write transaction together with `metadata`: all or nothing. The store may
   * make it durable LATER than `write` returns (the LMDB store commits by its own policy): a crash
   * may lose a suffix of writes, in order, never part of one, and `metadata().appliedIndex` after
   * the restart says where the log must re-apply from (paper fig. 2: the state machine is volatile,
   * the log is the durable record). If `body` throws, nothing of it is written and the error
   * propagates; a store that defers its commits may then also drop the writes deferred before it
   * and refuse every later write — the caller must crash-stop, and the log re-applies them.
   */
  write<T>(metadata: StoreMetadata, body: (writer: KvStoreWriter) => T): T;
  openSnapshotView(): KvStoreSnapshotView;
  /**
   * Atomically replaces every pair and the metadata (snapshot restore), durable when it returns
   * together with every write before it: the log is reset to the snapshot only afterwards (paper §7).
   */
  replaceAll(entries: Iterable<[Uint8Array, Uint8Array]>, metadata: StoreMetadata): void;
  close(): void;
}
