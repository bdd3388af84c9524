// Fuzzing the write-ahead log's decoders: a segment's bytes (mutated valid segments) and record
// payloads re-framed with valid checksums (so the payload decoders see them). The outcome is records
// and a torn-tail length, or StorageCorruptionError; never another error. `npm run fuzz`: 100,000 each.
import { type HardState, nodeId, type SnapshotMetadata } from '@raftkv/raft';
import { type FuzzOutcome, fuzzBytes, fuzzDecoder, fuzzTimeoutMs } from '@raftkv/testkit/fuzz';
import { describe, expect, it } from 'vitest';
import { StorageCorruptionError } from '../src/errors.js';
import {
  encodeCompactionRecord,
  encodeEntriesRecord,
  encodeEntry,
  encodeHardStateRecord,
  encodeResetRecord,
  frame,
  recordHeaderBytes,
  scanSegment,
  walMagic,
} from '../src/internal/wal-records.js';
import { RecordDecoder } from '../src/record-codec.js';
import { commandEntry, configurationEntry, configurationOf } from './support/entries.js';

const point: SnapshotMetadata = { index: 4, term: 2, configuration: configurationOf('n1', 'n2', 'n3') };
const hardState: HardState = { term: 3, votedFor: nodeId('n2'), commitIndex: 6 };
const records = [
  encodeResetRecord(point),
  encodeEntriesRecord([
    encodeEntry(commandEntry(5, 2)),
    encodeEntry(configurationEntry(6, 3, configurationOf('n1', 'n2'))),
    encodeEntry(commandEntry(7, 3, '')),
  ]),
  encodeHardStateRecord(hardState),
  encodeCompactionRecord({ ...point, index: 5 }),
];
const segment = Buffer.concat([walMagic, ...records]);
const payloads = records.map((record) => record.subarray(recordHeaderBytes));

function scan(bytes: Uint8Array): FuzzOutcome {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const result = scanSegment(
      buffer,
      new RecordDecoder('fuzz.wal', 'write-ahead log record'),
      (reason) => new StorageCorruptionError('fuzz.wal', reason),
    );
    expect(result.validBytes + result.tornBytes).toBe(buffer.byteLength);
    return { accepted: true };
  } catch (error) {
    if (error instanceof StorageCorruptionError) return { accepted: false, kind: 'corruption' };
    throw error;
  }
}

describe('fuzzing the write-ahead log decoders', () => {
  it(
    'scanSegment: records and a torn tail, or StorageCorruptionError, for any segment bytes',
    () => {
      fuzzDecoder('WAL segment', fuzzBytes([segment, Buffer.concat([walMagic, records[0]!])]), scan);
    },
    fuzzTimeoutMs(),
  );

  it(
    'record payloads behind valid checksums: a record or StorageCorruptionError',
    () => {
      fuzzDecoder('WAL record payload', fuzzBytes(payloads), (payload) =>
        scan(Buffer.concat([walMagic, records[0]!, frame(payload)])),
      );
    },
    fuzzTimeoutMs(),
  );
});
