// LmdbKvStore: the KvStore port (packages/kv/src/store-port.ts) over the LMDB "kv" database. The
// applied metadata is written in the same transaction as the data it describes, so a restart resumes
// from the applied index. Writes join the environment's deferred transaction (durable by its commit
// policy, see internal/transactions.ts); replaceAll is durable when it returns. No KV semantics.

import type { KvStore, KvStoreSnapshotView, KvStoreWriter, StoreMetadata } from '@raftkv/kv';
import { assert } from '@raftkv/raft';
import { allPairs, assertStorableKey, getValue, lmdbKeyBytesMax, rangePairs } from './internal/kv-reads.js';
import { readMetadataRecord, writeMetadataRecord } from './internal/metadata-records.js';
import { asBuffer, type LmdbTransaction, lmdbReturnCode, lmdbReturnCodeOf } from './internal/node-lmdb.js';
import { encodeStoreMetadata } from './internal/record-codec.js';
import {
  commitDeferred,
  inDeferredWrite,
  inReadTransaction,
  inWriteTransaction,
  type LmdbContext,
  storageFullErrorFor,
} from './internal/transactions.js';

const emptyMetadata: StoreMetadata = { appliedIndex: 0, appliedTerm: 0, configuration: null };

/**
 * Obtained from `openLmdbEnvironment(...).kv`. Keys are stored as given (1..511 bytes, LMDB's limit;
 * others throw StorageKeyError), values as given; reads return plain Uint8Array copies.
 */
export class LmdbKvStore implements KvStore {
  /** The longest key LMDB stores (its compiled MDB_MAXKEYSIZE). */
  static readonly keyBytesMax = lmdbKeyBytesMax;
  private writeInProgress = false;
  private closed = false;
  private readonly openViews = new Set<LmdbSnapshotView>();

  private constructor(
    private readonly context: LmdbContext,
    private currentMetadata: StoreMetadata,
  ) {}

  /** Reads the applied metadata record (checksum-verified); data is read lazily. */
  static load(context: LmdbContext): LmdbKvStore {
    const metadata = inReadTransaction(context, (transaction) =>
      readMetadataRecord(context, transaction, 'kvStoreMetadata', (decoder, payload) =>
        decoder.storeMetadata(payload),
      ),
    );
    return new LmdbKvStore(context, metadata ?? emptyMetadata);
  }

  metadata(): StoreMetadata {
    this.assertOpen();
    return this.currentMetadata;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.assertOpen();
    return inReadTransaction(this.context, (transaction) =>
      getValue(transaction, this.context.databases.kv, key),
    );
  }

  range(start: Uint8Array, end: Uint8Array | null, limit: number): Array<[Uint8Array, Uint8Array]> {
    this.assertOpen();
    return inReadTransaction(this.context, (transaction) =>
      rangePairs(transaction, this.context.databases.kv, start, end, limit),
    );
  }

  /**
   * Runs `body` and writes `metadata` in the deferred transaction: durable once the environment's
   * commit policy commits it, never in part. If `body` throws (or an LMDB write inside it fails, even
   * if the body caught it), the deferred transaction is aborted and the environment refuses later
   * writes: the caller must crash-stop (see inDeferredWrite).
   */
  write<T>(metadata: StoreMetadata, body: (writer: KvStoreWriter) => T): T {
    this.assertOpen();
    assert(!this.writeInProgress, 'LmdbKvStore.write: write transactions must not nest');
    this.writeInProgress = true;
    let result: T;
    try {
      result = inDeferredWrite(this.context, 'KV write', (transaction) => {
        const writer = new LmdbKvWriter(this.context, transaction);
        try {
          const bodyResult = body(writer);
          writer.throwIfFailed();
          writeMetadataRecord(this.context, transaction, 'kvStoreMetadata', encodeStoreMetadata(metadata));
          return { result: bodyResult, bytes: writer.bytesWritten };
        } finally {
          writer.finish();
        }
      });
    } finally {
      this.writeInProgress = false;
    }
    this.currentMetadata = metadata;
    return result;
  }

  /**
   * A read transaction: a consistent point-in-time view (LMDB MVCC) until close(). The deferred
   * writes are committed first, so the view holds the whole applied state.
   */
  openSnapshotView(): KvStoreSnapshotView {
    this.assertOpen();
    commitDeferred(this.context);
    const transaction = this.context.handle.beginTxn({ readOnly: true });
    let metadata: StoreMetadata;
    try {
      metadata =
        readMetadataRecord(this.context, transaction, 'kvStoreMetadata', (decoder, payload) =>
          decoder.storeMetadata(payload),
        ) ?? emptyMetadata;
    } catch (error) {
      transaction.abort();
      throw error;
    }
    const view = new LmdbSnapshotView(this.context, transaction, metadata, (closed) =>
      this.openViews.delete(closed),
    );
    this.openViews.add(view);
    return view;
  }

  /**
   * Drops every pair and writes `entries` and `metadata`, all in one transaction of its own, durable
   * when it returns together with every deferred write before it (committed first): the log may be
   * reset to the snapshot only after this.
   */
  replaceAll(entries: Iterable<[Uint8Array, Uint8Array]>, metadata: StoreMetadata): void {
    this.assertOpen();
    assert(!this.writeInProgress, 'LmdbKvStore.replaceAll: called inside a write transaction');
    inWriteTransaction(this.context, 'KV replaceAll', (transaction) => {
      const database = this.context.databases.kv;
      database.drop({ txn: transaction, justFreePages: true });
      let largestKey: Buffer | null = null;
      for (const [key, value] of entries) {
        assertStorableKey(this.context.dataFile, key);
        const keyBuffer = asBuffer(key);
        // Snapshots arrive ascending: a key above every key so far cannot be present, so only
        // out-of-order keys pay a lookup for the duplicate check.
        if (largestKey === null || Buffer.compare(largestKey, keyBuffer) < 0) {
          largestKey = Buffer.from(keyBuffer);
        } else {
          assert(
            transaction.getBinary(database, keyBuffer) === null,
            'LmdbKvStore.replaceAll: duplicate key',
          );
        }
        transaction.putBinary(database, keyBuffer, value);
      }
      writeMetadataRecord(this.context, transaction, 'kvStoreMetadata', encodeStoreMetadata(metadata));
    });
    this.currentMetadata = metadata;
  }

  /** Closes open snapshot views; later use of the store is a programmer error. */
  close(): void {
    for (const view of [...this.openViews]) view.close();
    this.closed = true;
  }

  private assertOpen(): void {
    assert(!this.closed, 'LmdbKvStore: used after close()');
  }
}

/** One write transaction's view: reads see its own writes (LMDB reads inside the write transaction). */
class LmdbKvWriter implements KvStoreWriter {
  private finished = false;
  /** An LMDB failure the body may have caught; the transaction is then unusable and must not commit. */
  private failure: unknown;
  /** Key and value bytes put, for the commit policy's bytesMax. */
  bytesWritten = 0;

  constructor(
    private readonly context: LmdbContext,
    private readonly transaction: LmdbTransaction,
  ) {}

  get(key: Uint8Array): Uint8Array | undefined {
    this.assertActive();
    return getValue(this.transaction, this.context.databases.kv, key);
  }

  range(start: Uint8Array, end: Uint8Array | null, limit: number): Array<[Uint8Array, Uint8Array]> {
    this.assertActive();
    return rangePairs(this.transaction, this.context.databases.kv, start, end, limit);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.assertActive();
    assertStorableKey(this.context.dataFile, key);
    try {
      this.transaction.putBinary(this.context.databases.kv, key, value);
    } catch (error) {
      this.fail(error);
    }
    this.bytesWritten += key.byteLength + value.byteLength;
  }

  delete(key: Uint8Array): void {
    this.assertActive();
    if (key.byteLength === 0 || key.byteLength > lmdbKeyBytesMax) return; // such a key cannot be present
    try {
      this.transaction.del(this.context.databases.kv, key);
    } catch (error) {
      if (lmdbReturnCodeOf(error) !== lmdbReturnCode.notFound) this.fail(error);
    }
  }

  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  finish(): void {
    this.finished = true;
  }

  /** Records an LMDB write failure (the transaction must not commit) and throws it. */
  private fail(error: unknown): never {
    this.failure = storageFullErrorFor(this.context, 'KV write', error) ?? error;
    throw this.failure;
  }

  private assertActive(): void {
    assert(!this.finished, 'LmdbKvStore: writer used after its transaction ended');
  }
}

class LmdbSnapshotView implements KvStoreSnapshotView {
  private closed = false;

  constructor(
    private readonly context: LmdbContext,
    private readonly transaction: LmdbTransaction,
    readonly metadata: StoreMetadata,
    private readonly onClose: (view: LmdbSnapshotView) => void,
  ) {}

  entries(): Iterable<[Uint8Array, Uint8Array]> {
    return allPairs(this.transaction, this.context.databases.kv, () =>
      assert(!this.closed, 'LmdbKvStore: snapshot view used after close()'),
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transaction.abort();
    this.onClose(this);
  }
}
