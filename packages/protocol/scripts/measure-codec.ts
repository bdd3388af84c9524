// Measures peer-codec throughput: encode + decode (full validation, through the decode fast path) of
// a 64-entry AppendEntries carrying 256-byte commands. A manual measurement for the README, never a test.

import { decodePeerFrame, encodePeerFrame } from '@raftkv/protocol';
import { type Entry, type Message, nodeId } from '@raftkv/raft';

const entriesPerMessage = 64;
const valueBytes = 256;
const measureMs = 3000;

function appendEntries(): Message {
  const entries: Entry[] = [];
  for (let position = 0; position < entriesPerMessage; position += 1) {
    const data = new Uint8Array(valueBytes).fill(position);
    entries.push({ index: 1001 + position, term: 7, kind: 'command', data });
  }
  return {
    type: 'AppendEntries',
    term: 7,
    from: nodeId('n1'),
    to: nodeId('n2'),
    prevLogIndex: 1000,
    prevLogTerm: 7,
    entries,
    leaderCommit: 990,
    sequence: 42,
  };
}

function measure(label: string, round: () => void): void {
  for (let warmup = 0; warmup < 2000; warmup += 1) round();
  let rounds = 0;
  const started = performance.now();
  let elapsedMs = 0;
  while (elapsedMs < measureMs) {
    for (let batch = 0; batch < 100; batch += 1) round();
    rounds += 100;
    elapsedMs = performance.now() - started;
  }
  const messagesPerSecond = (rounds / elapsedMs) * 1000;
  console.log(
    `${label}: ${Math.round(messagesPerSecond)} messages/s = ${Math.round(messagesPerSecond * entriesPerMessage)} entries/s`,
  );
}

const message = appendEntries();
const frame = encodePeerFrame([message]);
console.log(`frame: 1 AppendEntries, ${entriesPerMessage} entries × ${valueBytes} B = ${frame.byteLength} B`);
measure('encode only', () => {
  encodePeerFrame([message]);
});
measure('decode only (msgpack + validation)', () => {
  if (!decodePeerFrame(frame).ok) throw new Error('measure-codec: frame failed to decode');
});
measure('encode + decode', () => {
  if (!decodePeerFrame(encodePeerFrame([message])).ok) throw new Error('measure-codec: round trip failed');
});
