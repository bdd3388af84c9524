// MemoryKvStore: the IN-MEMORY TEST DOUBLE of the KvStore port, for tests and the simulator. It is
// not durable (a process exit loses everything) and must never be used by a production node.
import { assert } from '@raftkv/raft';
import { compareBytes, copyBytes } from './internal/bytes.js';
import {
  findPair,
  mergePairs,
  mergeRange,
  type Pair,
  removePair,
  upsertPair,
} from './internal/sorted-pairs.js';
import type { KvStore, KvStoreSnapshotView, KvStoreWriter, StoreMetadata } from './store-port.js';

/** Few staged writes are spliced in one by one; more than pairs/spliceCostFactor are merged in one pass. */
const spliceCostFactor = 64;

const emptyMetadata: StoreMetadata = { appliedIndex: 0, appliedTerm: 0, configuration: null };

/**
 * Pairs live in one array sorted by unsigned key bytes. Byte arrays are copied on the way in; the
 * arrays handed out are the store's own and must not be mutated. Snapshot views share the array:
 * the next commit copies it first (copy-on-write), so an open view never sees later writes.
 */
export class MemoryKvStore implements KvStore {
  private pairs: Pair[] = [];
  private pairsSharedWithView = false;
  private currentMetadata: StoreMetadata = emptyMetadata;
  private writeInProgress = false;
  private closed = false;

  metadata(): StoreMetadata {
    this.assertOpen();
    return this.currentMetadata;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.assertOpen();
    return findPair(this.pairs, key)?.value;
  }

  range(start: Uint8Array, end: Uint8Array | null, limit: number): Array<[Uint8Array, Uint8Array]> {
    this.assertOpen();
    return mergeRange(this.pairs, [], start, end, limit);
  }

  write<T>(metadata: StoreMetadata, body: (writer: KvStoreWriter) => T): T {
    this.assertOpen();
    assert(!this.writeInProgress, 'MemoryKvStore.write: write transactions must not nest');
    const transaction = new StagedTransaction(this.pairs);
    this.writeInProgress = true;
    let result: T;
    try {
      result = body(transaction);
    } finally {
      this.writeInProgress = false;
      transaction.finish();
    }
    this.commit(transaction.stagedPairs(), metadata);
    return result;
  }

  openSnapshotView(): KvStoreSnapshotView {
    this.assertOpen();
    this.pairsSharedWithView = true;
    return new MemorySnapshotView(this.pairs, this.currentMetadata);
  }

  replaceAll(entries: Iterable<[Uint8Array, Uint8Array]>, metadata: StoreMetadata): void {
    this.assertOpen();
    assert(!this.writeInProgress, 'MemoryKvStore.replaceAll: called inside a write transaction');
    const pairs: Pair[] = [];
    for (const [key, value] of entries) pairs.push({ key: copyBytes(key), value: copyBytes(value) });
    pairs.sort((a, b) => compareBytes(a.key, b.key));
    for (let position = 1; position < pairs.length; position++) {
      assert(
        compareBytes(pairs[position - 1]!.key, pairs[position]!.key) < 0,
        'MemoryKvStore.replaceAll: duplicate key',
      );
    }
    this.pairs = pairs;
    this.pairsSharedWithView = false;
    this.currentMetadata = metadata;
  }

  close(): void {
    this.closed = true;
  }

  private commit(staged: readonly Pair[], metadata: StoreMetadata): void {
    if (staged.length * spliceCostFactor > this.pairs.length) {
      this.pairs = mergePairs(this.pairs, staged);
      this.pairsSharedWithView = false;
    } else if (staged.length > 0) {
      if (this.pairsSharedWithView) this.pairs = this.pairs.slice();
      this.pairsSharedWithView = false;
      for (const pair of staged) {
        if (pair.value === undefined) removePair(this.pairs, pair.key);
        else upsertPair(this.pairs, pair);
      }
    }
    this.currentMetadata = metadata;
  }

  private assertOpen(): void {
    assert(!this.closed, 'MemoryKvStore: used after close()');
  }
}

/** One write transaction: writes are staged (sorted) and reach the store only when the body returns. */
class StagedTransaction implements KvStoreWriter {
  private readonly staged: Pair[] = [];
  private finished = false;

  constructor(private readonly committed: readonly Pair[]) {}

  get(key: Uint8Array): Uint8Array | undefined {
    this.assertActive();
    const stagedPair = findPair(this.staged, key);
    return stagedPair !== undefined ? stagedPair.value : findPair(this.committed, key)?.value;
  }

  range(start: Uint8Array, end: Uint8Array | null, limit: number): Array<[Uint8Array, Uint8Array]> {
    this.assertActive();
    return mergeRange(this.committed, this.staged, start, end, limit);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.assertActive();
    upsertPair(this.staged, { key: copyBytes(key), value: copyBytes(value) });
  }

  delete(key: Uint8Array): void {
    this.assertActive();
    upsertPair(this.staged, { key: copyBytes(key), value: undefined });
  }

  finish(): void {
    this.finished = true;
  }

  stagedPairs(): readonly Pair[] {
    return this.staged;
  }

  private assertActive(): void {
    assert(!this.finished, 'MemoryKvStore: writer used after its transaction ended');
  }
}

class MemorySnapshotView implements KvStoreSnapshotView {
  private closed = false;

  constructor(
    private readonly pairs: readonly Pair[],
    readonly metadata: StoreMetadata,
  ) {}

  *entries(): Iterable<[Uint8Array, Uint8Array]> {
    for (const pair of this.pairs) {
      assert(!this.closed, 'MemoryKvStore: snapshot view used after close()');
      yield [pair.key, pair.value!];
    }
  }

  close(): void {
    this.closed = true;
  }
}
