// The port between the KV state machine's logic and the bytes that hold its state: an ordered map
// of byte keys with atomic, durable write transactions that also record the applied log position.
// Implemented by MemoryKvStore (in-memory double, for tests and the simulator) and by the LMDB store.
import type { Configuration, LogIndex, Term } from '@raftkv/raft';

/** Where the state machine stands in the Raft log; written in the same transaction as the data. */
export interface StoreMetadata {
  readonly appliedIndex: LogIndex;
  readonly appliedTerm: Term;
  /** The latest configuration among applied entries (null before any), for snapshot metadata. */
  readonly configuration: Configuration | null;
}

/** Reads over one consistent view. Keys compare as unsigned bytes, lexicographically. */
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
   * Runs `body` in one write transaction and commits it durably together with `metadata`
   * (all or nothing). If `body` throws, nothing is written and the error propagates.
   */
  write<T>(metadata: StoreMetadata, body: (writer: KvStoreWriter) => T): T;
  openSnapshotView(): KvStoreSnapshotView;
  /** Atomically replaces every pair and the metadata (snapshot restore). */
  replaceAll(entries: Iterable<[Uint8Array, Uint8Array]>, metadata: StoreMetadata): void;
  close(): void;
}
