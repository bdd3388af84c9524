// Measures decodePeerFrame (with its fast path) against the schema-only decoder it replaced, in µs per
// frame: a 110-entry AppendEntries of 300-byte commands, a heartbeat, a response. Manual; never a test.

import { decodePeerFrame, encodePeerFrame, frameBytesMax, peerProtocolVersion } from '@raftkv/protocol';
import { type Entry, type Message, nodeId } from '@raftkv/raft';
import { checkVersion } from '../src/internal/check-version.js';
import { unpackBounded } from '../src/internal/msgpack.js';
import { peerFrameSchema } from '../src/peer-schemas.js';

const repetitions = 15;
const minimumBatchMs = 200;

function appendEntries(entryCount: number, dataBytes: number): Message {
  const entries: Entry[] = [];
  for (let position = 0; position < entryCount; position += 1) {
    const data = new Uint8Array(dataBytes).fill(position);
    entries.push({ index: 250_001 + position, term: 7, kind: 'command', data });
  }
  return {
    type: 'AppendEntries',
    term: 7,
    from: nodeId('n1'),
    to: nodeId('n2'),
    prevLogIndex: 250_000,
    prevLogTerm: 7,
    entries,
    leaderCommit: 249_890,
    sequence: 12_345,
  };
}

const appendEntriesResponse: Message = {
  type: 'AppendEntriesResponse',
  term: 7,
  from: nodeId('n2'),
  to: nodeId('n1'),
  success: true,
  matchIndex: 250_110,
  lastLogIndex: 250_110,
  conflictTerm: 0,
  conflictIndex: 0,
  sequence: 12_345,
};

/** decodePeerFrame as it was before the fast path: MessagePack, version, then the whole schema. */
function decodeWithSchemaOnly(frame: Uint8Array): boolean {
  const unpacked = unpackBounded(frame, frameBytesMax);
  if (!unpacked.ok || checkVersion(unpacked.value, peerProtocolVersion) !== null) return false;
  return peerFrameSchema.safeParse(unpacked.value).success;
}

/** The best of `repetitions` batches, each at least minimumBatchMs long, in µs per call. */
function bestMicroseconds(decode: () => boolean): number {
  let batchSize = 1;
  for (let started = performance.now(); performance.now() - started < minimumBatchMs; batchSize *= 2) {
    for (let call = 0; call < batchSize; call += 1) if (!decode()) throw new Error('measure: decode failed');
  }
  let best = Number.POSITIVE_INFINITY;
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const started = performance.now();
    for (let call = 0; call < batchSize; call += 1) decode();
    best = Math.min(best, ((performance.now() - started) * 1000) / batchSize);
  }
  return best;
}

const frames: readonly [string, Uint8Array][] = [
  ['AppendEntries, 110 × 300 B commands', encodePeerFrame([appendEntries(110, 300)])],
  ['AppendEntries heartbeat (no entries)', encodePeerFrame([appendEntries(0, 0)])],
  ['AppendEntriesResponse', encodePeerFrame([appendEntriesResponse])],
];
for (const [label, frame] of frames) {
  const msgpackOnly = bestMicroseconds(() => unpackBounded(frame, frameBytesMax).ok);
  const schemaOnly = bestMicroseconds(() => decodeWithSchemaOnly(frame));
  const withFastPath = bestMicroseconds(() => decodePeerFrame(frame).ok);
  console.log(
    `${label} (${frame.byteLength} B): schema only ${schemaOnly.toFixed(1)} µs → decodePeerFrame ` +
      `${withFastPath.toFixed(1)} µs (MessagePack alone ${msgpackOnly.toFixed(1)} µs)`,
  );
}
