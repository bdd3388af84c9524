// The read-only reader of the LMDB log that data directories kept before the write-ahead log (the
// `log` database and the `log/hard-state` and `log/compaction-point` metadata records), and the one
// commit that clears it once the write-ahead log holds it. Used only to migrate such a directory.
import type { Entry, HardState, SnapshotMetadata } from '@raftkv/raft';
import { StorageCorruptionError, type WalInitialLog } from '@raftkv/wal';
import { unframeValue } from './checksum-frame.js';
import { logIndexOfKey } from './log-key.js';
import { metadataKey, readMetadataRecord } from './metadata-records.js';
import { type LmdbTransaction, nodeLmdb } from './node-lmdb.js';
import { StoreRecordDecoder } from './record-codec.js';
import { inReadTransaction, inWriteTransaction, type LmdbContext } from './transactions.js';

/** Log entries were checksummed without a key seed: the payload holds its own index, checked against the key. */
const logChecksumSeed = 0;
const initialHardState: HardState = { term: 0, votedFor: null, commitIndex: 0 };
const noCompaction: SnapshotMetadata = { index: 0, term: 0, configuration: { members: [] } };

/** Whether the directory still holds an LMDB log: any entry, hard state or compaction point. */
export function legacyLogPresent(context: LmdbContext): boolean {
  return inReadTransaction(context, (transaction) => {
    const { log, metadata } = context.databases;
    return (
      log.stat(transaction).entryCount > 0 ||
      transaction.getBinary(metadata, metadataKey.hardState) !== null ||
      transaction.getBinary(metadata, metadataKey.compactionPoint) !== null
    );
  });
}

/**
 * Reads the whole LMDB log, verifying every record as the LMDB log storage did at open: each
 * checksum, each entry's index against its key, contiguity from the compaction point. Throws
 * StorageCorruptionError naming data.mdb; never repairs or skips anything.
 */
export function readLegacyLog(context: LmdbContext): WalInitialLog {
  return inReadTransaction(context, (transaction) => {
    const hardState = readMetadataRecord(context, transaction, 'hardState', (decoder, payload) =>
      decoder.hardState(payload),
    );
    const compactionPoint =
      readMetadataRecord(context, transaction, 'compactionPoint', (decoder, payload) =>
        decoder.snapshotMetadata(payload),
      ) ?? noCompaction;
    return {
      compactionPoint,
      entries: readEntries(context, transaction, compactionPoint.index),
      hardState: hardState ?? initialHardState,
    };
  });
}

/** Empties the LMDB log database and deletes the log's metadata records, in one commit. */
export function clearLegacyLog(context: LmdbContext): void {
  inWriteTransaction(context, 'clear the migrated LMDB log', (transaction) => {
    const { log, metadata } = context.databases;
    log.drop({ txn: transaction, justFreePages: true });
    for (const key of [metadataKey.hardState, metadataKey.compactionPoint]) {
      if (transaction.getBinary(metadata, key) !== null) transaction.del(metadata, key);
    }
  });
}

function readEntries(context: LmdbContext, transaction: LmdbTransaction, compactionIndex: number): Entry[] {
  const cursor = new nodeLmdb.Cursor(transaction, context.databases.log, { keyIsBuffer: true });
  const entries: Entry[] = [];
  try {
    for (let key = cursor.goToFirst(); key !== null; key = cursor.goToNext()) {
      const index = logIndexOfKey(key);
      const expected = compactionIndex + entries.length + 1;
      if (index !== expected) {
        throw new StorageCorruptionError(
          context.dataFile,
          `the LMDB log is not contiguous: expected entry ${expected} (compaction point ${compactionIndex}) ` +
            `but found ${index === undefined ? `a ${key.byteLength}-byte key` : `entry ${index}`}; refusing to open`,
        );
      }
      entries.push(decodeEntry(context, index, cursor.getCurrentBinary()!));
    }
  } finally {
    cursor.close();
  }
  return entries;
}

function decodeEntry(context: LmdbContext, index: number, framed: Buffer): Entry {
  const what = `log entry ${index}`;
  const entry = new StoreRecordDecoder(context.dataFile, what).entry(
    unframeValue(context.dataFile, what, logChecksumSeed, framed),
  );
  if (entry.index !== index) {
    throw new StorageCorruptionError(context.dataFile, `${what} holds entry ${entry.index}`);
  }
  return entry;
}
