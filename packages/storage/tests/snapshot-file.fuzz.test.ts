// Fuzzing the backup file decoder (raftkv snapshot status, raftkvd --restore): any bytes, and mutated
// files resealed with a matching SHA-256 so the header and body decoders see them too. The outcome is
// a verified file or SnapshotFileError, never another error. `npm run fuzz`: 100,000 each.
import { createHash } from 'node:crypto';
import { encodeCommand, KvStateMachine } from '@raftkv/kv';
import { type Entry, nodeId } from '@raftkv/raft';
import { type FuzzOutcome, fuzzBytes, fuzzDecoder, fuzzTimeoutMs } from '@raftkv/testkit/fuzz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSnapshotFile, SnapshotFileError, verifySnapshotFile } from '../src/index.js';
import { ReopenableEnvironment } from './support/lmdb-subjects.js';

const checksumBytes = 32;
const encoder = new TextEncoder();
let environment: ReopenableEnvironment;
let file: Uint8Array;

beforeAll(async () => {
  environment = new ReopenableEnvironment('snapshot-file-fuzz');
  const machine = new KvStateMachine(environment.current.kv);
  const configuration = {
    members: [{ id: nodeId('n1'), role: 'voter' as const, address: 'tcp://127.0.0.1:1' }],
  };
  const entries: Entry[] = [{ index: 1, term: 1, kind: 'configuration', configuration }];
  for (let index = 2; index < 14; index++) {
    const operation = {
      type: 'put' as const,
      key: encoder.encode(`key-${index}`),
      value: encoder.encode(`v${index}`),
    };
    entries.push({ index, term: 2, kind: 'command', data: encodeCommand({ operation }) });
  }
  machine.apply(entries);
  const chunks: Uint8Array[] = [];
  for await (const chunk of encodeSnapshotFile(environment.current.kv.openSnapshotView())) chunks.push(chunk);
  file = new Uint8Array(Buffer.concat(chunks));
});
afterAll(() => environment.dispose());

/** `bytes` with their last 32 bytes replaced by the SHA-256 of the rest, as an intact writer would. */
function resealed(bytes: Uint8Array): Uint8Array {
  if (bytes.length < checksumBytes) return bytes;
  const body = bytes.subarray(0, bytes.length - checksumBytes);
  return new Uint8Array(Buffer.concat([body, createHash('sha256').update(body).digest()]));
}

function verify(bytes: Uint8Array): FuzzOutcome {
  try {
    const verified = verifySnapshotFile(bytes);
    expect(verified.header.keyCount).toBeLessThanOrEqual(verified.pairs.length);
    return { accepted: true };
  } catch (error) {
    if (error instanceof SnapshotFileError) return { accepted: false, kind: error.reason };
    throw error;
  }
}

describe('fuzzing the backup file decoder', () => {
  it(
    'any bytes: a verified file or SnapshotFileError',
    () => {
      expect(verify(file)).toEqual({ accepted: true });
      fuzzDecoder('backup file', fuzzBytes([file]), verify);
    },
    fuzzTimeoutMs(),
  );

  it(
    'mutated files with a matching checksum: a verified file or SnapshotFileError',
    () => {
      fuzzDecoder('backup file (resealed)', fuzzBytes([file]).map(resealed), verify);
    },
    fuzzTimeoutMs(),
  );
});
