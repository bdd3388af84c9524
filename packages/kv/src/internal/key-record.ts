// The stored form of one user key: its per-key revisions then the value, in a fixed binary layout
// (24 header bytes) so the apply hot path neither allocates objects for msgpack nor varies by node.
// Encoding reuses one buffer, so a record must be written to the store before the next is encoded.
import type { KeyValue } from '../results.js';
import { readUint64, writeUint64 } from './bytes.js';

const headerBytes = 24;
/** Records up to this size are built in one reused buffer instead of a fresh allocation each. */
const sharedRecordBytesMax = 4096;
const sharedRecord = new Uint8Array(sharedRecordBytesMax);

/**
 * The record for a put. It may be a view of a buffer the next call overwrites: hand it straight to
 * KvStoreWriter.put, which copies it (store-port.ts), and keep no reference to it.
 */
export function encodeKeyRecord(
  createRevision: number,
  modRevision: number,
  version: number,
  value: Uint8Array,
): Uint8Array {
  const length = headerBytes + value.length;
  const record = length <= sharedRecordBytesMax ? sharedRecord.subarray(0, length) : new Uint8Array(length);
  writeUint64(record, 0, createRevision);
  writeUint64(record, 8, modRevision);
  writeUint64(record, 16, version);
  record.set(value, headerBytes);
  return record;
}

/** The key-value for user `key` held in `record`; the value is a view into `record`, not a copy. */
export function decodeKeyRecord(key: Uint8Array, record: Uint8Array): KeyValue {
  return {
    key,
    value: record.subarray(headerBytes),
    createRevision: readUint64(record, 0),
    modRevision: readUint64(record, 8),
    version: readUint64(record, 16),
  };
}
