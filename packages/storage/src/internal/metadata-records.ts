// The fixed keys of the metadata database and checksummed reads/writes of its records. Knows nothing
// of when records are written; the adapters decide that inside their own transactions.
import { checksumSeedOf, frameValue, unframeValue } from './checksum-frame.js';
import type { LmdbTransaction } from './node-lmdb.js';
import { StoreRecordDecoder } from './record-codec.js';
import type { LmdbContext } from './transactions.js';

export const metadataKey = {
  formatVersion: Buffer.from('format-version'),
  hardState: Buffer.from('log/hard-state'),
  compactionPoint: Buffer.from('log/compaction-point'),
  kvStoreMetadata: Buffer.from('kv/store-metadata'),
} as const;

/** Metadata checksums are seeded with their key's CRC, so a record cannot pass under another key. */
const checksumSeed = {
  formatVersion: checksumSeedOf(metadataKey.formatVersion),
  hardState: checksumSeedOf(metadataKey.hardState),
  compactionPoint: checksumSeedOf(metadataKey.compactionPoint),
  kvStoreMetadata: checksumSeedOf(metadataKey.kvStoreMetadata),
} as const;

/** Human names for errors, keyed like metadataKey. */
const recordName: Record<keyof typeof metadataKey, string> = {
  formatVersion: 'format-version marker',
  hardState: 'hard state record',
  compactionPoint: 'log compaction point record',
  kvStoreMetadata: 'KV store metadata record',
};

/** Reads and verifies one metadata record; undefined when it was never written. */
export function readMetadataRecord<T>(
  context: LmdbContext,
  transaction: LmdbTransaction,
  record: keyof typeof metadataKey,
  decode: (decoder: StoreRecordDecoder, payload: Buffer) => T,
): T | undefined {
  const key = metadataKey[record];
  const framed = transaction.getBinary(context.databases.metadata, key);
  if (framed === null) return undefined;
  const what = recordName[record];
  const payload = unframeValue(context.dataFile, what, checksumSeed[record], framed);
  return decode(new StoreRecordDecoder(context.dataFile, what), payload);
}

export function writeMetadataRecord(
  context: LmdbContext,
  transaction: LmdbTransaction,
  record: keyof typeof metadataKey,
  payload: Buffer,
): void {
  const key = metadataKey[record];
  transaction.putBinary(context.databases.metadata, key, frameValue(payload, checksumSeed[record]));
}
