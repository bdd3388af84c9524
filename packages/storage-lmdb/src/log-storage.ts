// LmdbLogStorage: the Raft log, hard state and compaction point in LMDB (paper §5.3, §7; thesis §3.8).
// One Ready is made durable by ONE write transaction; every entry read is checksum-verified. It never
// decides what to store — the core does — and it never repairs or skips a corrupt entry.
import {
  assert,
  type Entry,
  type HardState,
  type InitialState,
  type LogIndex,
  type LogStorage,
  type SnapshotMetadata,
  type Term,
} from '@raftkv/raft';
import { StorageCorruptionError } from '@raftkv/wal';
import { assertAppendable } from './internal/appendable-entries.js';
import { checksumBytes, frameValue, unframeValue } from './internal/checksum-frame.js';
import { logIndexOfKey, logKey } from './internal/log-key.js';
import { LogShape } from './internal/log-shape.js';
import { readMetadataRecord, writeMetadataRecord } from './internal/metadata-records.js';
import { type LmdbTransaction, nodeLmdb } from './internal/node-lmdb.js';
import {
  encodeEntry,
  encodeHardState,
  encodeSnapshotMetadata,
  RecordDecoder,
} from './internal/record-codec.js';
import { inReadTransaction, inWriteTransaction, type LmdbContext } from './internal/transactions.js';

/** Log checksums need no key seed: the payload holds its own index, checked against the key. */
const logChecksumSeed = 0;
const initialHardState: HardState = { term: 0, votedFor: null, commitIndex: 0 };
const noCompaction: SnapshotMetadata = { index: 0, term: 0, configuration: { members: [] } };

type LogPersistUpdate = Parameters<LogStorage['persist']>[0];

/**
 * Obtained from `openLmdbEnvironment(...).log`. Keys are 8-byte big-endian indexes; values are
 * msgpack(entry) ‖ CRC32. firstIndex/lastIndex/term are answered from memory (LogShape).
 */
export class LmdbLogStorage implements LogStorage {
  private constructor(
    private readonly context: LmdbContext,
    private readonly shape: LogShape,
    private hardState: HardState,
  ) {}

  /** Reads hard state and compaction point, then verifies every entry: checksum, index, contiguity. */
  static load(context: LmdbContext): LmdbLogStorage {
    return inReadTransaction(context, (transaction) => {
      const hardState = readMetadataRecord(context, transaction, 'hardState', (decoder, payload) =>
        decoder.hardState(payload),
      );
      const compaction = readMetadataRecord(context, transaction, 'compactionPoint', (decoder, payload) =>
        decoder.snapshotMetadata(payload),
      );
      const storage = new LmdbLogStorage(
        context,
        new LogShape(compaction ?? noCompaction),
        hardState ?? initialHardState,
      );
      storage.verifyAllEntries(transaction);
      return storage;
    });
  }

  initialState(): InitialState {
    const compaction = this.shape.compaction;
    return { hardState: this.hardState, snapshot: compaction.index === 0 ? null : compaction };
  }

  firstIndex(): LogIndex {
    return this.shape.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.shape.lastIndex();
  }

  term(index: LogIndex): Term | undefined {
    return this.shape.term(index);
  }

  /**
   * Entries in [low, high): at least one if low < high, then stopping before the sum of their stored
   * sizes (msgpack bytes) would exceed `maxBytes`. One read transaction, one cursor.
   */
  entries(low: LogIndex, high: LogIndex, maxBytes: number): Entry[] {
    assert(
      low >= this.firstIndex() && low <= high && high <= this.lastIndex() + 1,
      () => `LmdbLogStorage.entries(${low}, ${high}) outside [${this.firstIndex()}, ${this.lastIndex() + 1}]`,
    );
    if (low === high) return [];
    return inReadTransaction(this.context, (transaction) => {
      const cursor = new nodeLmdb.Cursor(transaction, this.context.databases.log, { keyIsBuffer: true });
      try {
        const result: Entry[] = [];
        let totalBytes = 0;
        let key = cursor.goToKey(logKey(low));
        for (let index = low; index < high; index++) {
          const framed = key === null ? null : cursor.getCurrentBinary();
          if (key === null || framed === null || logIndexOfKey(key) !== index) this.throwMissing(index);
          totalBytes += framed.byteLength - checksumBytes;
          if (result.length > 0 && totalBytes > maxBytes) break;
          result.push(this.decodeEntry(index, framed));
          if (index + 1 < high) key = cursor.goToNext();
        }
        return result;
      } finally {
        cursor.close();
      }
    });
  }

  /**
   * Makes one Ready durable in ONE write transaction, in the order types.ts documents: a received
   * snapshot replaces the whole log (thesis §5.2); entries overwrite any suffix from their first
   * index (paper §5.3); then hard state (paper fig. 2). Memory changes only after the commit.
   */
  persist(update: LogPersistUpdate): void {
    const { hardState, entries, snapshot } = update;
    if (hardState === null && entries.length === 0 && snapshot === null) return;
    const lastBeforeEntries = snapshot === null ? this.lastIndex() : snapshot.index;
    assertAppendable(
      'LmdbLogStorage',
      entries,
      snapshot === null ? this.firstIndex() : snapshot.index + 1,
      lastBeforeEntries,
    );
    inWriteTransaction(this.context, 'persist', (transaction) => {
      if (snapshot !== null) {
        this.context.databases.log.drop({ txn: transaction, justFreePages: true });
        writeMetadataRecord(this.context, transaction, 'compactionPoint', encodeSnapshotMetadata(snapshot));
      }
      if (entries.length > 0) this.writeEntries(transaction, entries, lastBeforeEntries);
      if (hardState !== null)
        writeMetadataRecord(this.context, transaction, 'hardState', encodeHardState(hardState));
    });
    if (snapshot !== null) {
      this.shape.resetTo(snapshot);
    }
    if (entries.length > 0) {
      this.shape.truncateFrom(entries[0]!.index);
      for (const entry of entries) this.shape.append(entry);
    }
    if (hardState !== null) this.hardState = hardState;
  }

  /**
   * Discards entries up to and including `index` (paper §7), recording their last term and the
   * configuration in force at `index` (thesis §5.1) as the compaction point. A no-op at or below
   * the current compaction point.
   */
  compact(index: LogIndex): void {
    assert(
      index <= this.lastIndex(),
      () => `LmdbLogStorage.compact(${index}) beyond lastIndex ${this.lastIndex()}`,
    );
    if (index < this.firstIndex()) return;
    const point = inWriteTransaction(this.context, 'compact', (transaction) => {
      const compactionPoint: SnapshotMetadata = {
        index,
        term: this.shape.term(index)!,
        configuration: this.configurationAt(transaction, index),
      };
      for (let discarded = this.firstIndex(); discarded <= index; discarded++) {
        transaction.del(this.context.databases.log, logKey(discarded));
      }
      writeMetadataRecord(
        this.context,
        transaction,
        'compactionPoint',
        encodeSnapshotMetadata(compactionPoint),
      );
      return compactionPoint;
    });
    this.shape.compactTo(point);
  }

  private writeEntries(transaction: LmdbTransaction, entries: readonly Entry[], lastBefore: LogIndex): void {
    const database = this.context.databases.log;
    for (let conflicting = entries[0]!.index; conflicting <= lastBefore; conflicting++) {
      transaction.del(database, logKey(conflicting));
    }
    // A plain put: node-lmdb's per-call option parsing costs more than MDB_APPEND saves here.
    for (const entry of entries) {
      transaction.putBinary(database, logKey(entry.index), frameValue(encodeEntry(entry), logChecksumSeed));
    }
  }

  /** The latest configuration at or before `index`: from the log, else from the compaction point. */
  private configurationAt(transaction: LmdbTransaction, index: LogIndex) {
    const configurationIndex = this.shape.lastConfigurationIndexAtOrBefore(index);
    if (configurationIndex === undefined) return this.shape.compaction.configuration;
    const framed = transaction.getBinary(this.context.databases.log, logKey(configurationIndex));
    if (framed === null) this.throwMissing(configurationIndex);
    const entry = this.decodeEntry(configurationIndex, framed);
    assert(entry.kind === 'configuration', 'LmdbLogStorage: configuration index points at a command');
    return entry.configuration;
  }

  private verifyAllEntries(transaction: LmdbTransaction): void {
    const cursor = new nodeLmdb.Cursor(transaction, this.context.databases.log, { keyIsBuffer: true });
    try {
      for (let key = cursor.goToFirst(); key !== null; key = cursor.goToNext()) {
        const index = logIndexOfKey(key);
        const expected = this.lastIndex() + 1;
        if (index !== expected) {
          throw new StorageCorruptionError(
            this.context.dataFile,
            `the log is not contiguous: expected entry ${expected} (compaction point ${this.shape.compaction.index}) ` +
              `but found ${index === undefined ? `a ${key.byteLength}-byte key` : `entry ${index}`}; refusing to open`,
          );
        }
        this.shape.append(this.decodeEntry(index, cursor.getCurrentBinary()!));
      }
    } finally {
      cursor.close();
    }
  }

  private decodeEntry(index: LogIndex, framed: Buffer): Entry {
    const what = `log entry ${index}`;
    const entry = new RecordDecoder(this.context.dataFile, what).entry(
      unframeValue(this.context.dataFile, what, logChecksumSeed, framed),
    );
    if (entry.index !== index) {
      throw new StorageCorruptionError(this.context.dataFile, `${what} holds entry ${entry.index}`);
    }
    return entry;
  }

  private throwMissing(index: LogIndex): never {
    throw new StorageCorruptionError(
      this.context.dataFile,
      `log entry ${index} is missing although the log spans ${this.firstIndex()}..${this.lastIndex()}`,
    );
  }
}
