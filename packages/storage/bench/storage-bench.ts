// Benchmark of the LMDB adapters — NOT a test: durable log append throughput, KV apply throughput
// (through KvStateMachine), snapshot write/read MB/s, and reopen time of a 1M-key store. Prints a table.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCommand, KvStateMachine } from '@raftkv/kv';
import type { Entry } from '@raftkv/raft';
import { openLmdbEnvironment } from '../src/index.js';

const mapSizeBytes = 8 * 1024 * 1024 * 1024;
const valueBytes = 256;
const rows: Array<[string, string]> = [];

function withDirectory<T>(body: (directory: string) => T): T {
  const directory = mkdtempSync(join(tmpdir(), 'raftkv-bench-'));
  try {
    return body(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

function filledBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let position = 0; position < length; position++) bytes[position] = (seed + position * 31) & 0xff;
  return bytes;
}

function key(number: number): Uint8Array {
  return new TextEncoder().encode(`key-${number.toString().padStart(12, '0')}`);
}

/** Appends batches of `batchSize` 256-byte entries, one persist (one fsync) each, for ~`budgetSeconds`. */
function durableAppend(batchSize: number, budgetSeconds: number): void {
  withDirectory((directory) => {
    const environment = openLmdbEnvironment({ directory, mapSizeBytes });
    const data = filledBytes(valueBytes, batchSize);
    let next = 1;
    let persists = 0;
    const start = performance.now();
    while (seconds(start) < budgetSeconds) {
      const entries: Entry[] = [];
      for (let offset = 0; offset < batchSize; offset++)
        entries.push({ index: next + offset, term: 1, kind: 'command', data });
      environment.log.persist({
        hardState: { term: 1, votedFor: null, commitIndex: next - 1 },
        entries,
        snapshot: null,
      });
      next += batchSize;
      persists++;
    }
    const elapsed = seconds(start);
    const entriesPerSecond = Math.round((next - 1) / elapsed);
    rows.push([
      `durable append, batch ${batchSize} (256-byte entries)`,
      `${entriesPerSecond.toLocaleString('en-US')} entries/s (${Math.round(persists / elapsed)} persists/s)`,
    ]);
    environment.close();
  });
}

/** Applies committed put commands through KvStateMachine in batches of 1,024 (one write transaction each). */
function kvApply(commandCount: number): void {
  withDirectory((directory) => {
    const environment = openLmdbEnvironment({ directory, mapSizeBytes });
    const machine = new KvStateMachine(environment.kv);
    const value = filledBytes(valueBytes, 7);
    const batchSize = 1024;
    let elapsed = 0;
    for (let first = 1; first <= commandCount; first += batchSize) {
      const entries: Entry[] = [];
      for (let index = first; index < first + batchSize && index <= commandCount; index++) {
        const data = encodeCommand({ operation: { type: 'put', key: key(index % 100_000), value } });
        entries.push({ index, term: 1, kind: 'command', data });
      }
      const start = performance.now();
      machine.apply(entries);
      elapsed += seconds(start);
    }
    rows.push([
      'KV apply via KvStateMachine (put, 256-byte values, 1,024 per apply)',
      `${Math.round(commandCount / elapsed).toLocaleString('en-US')} commands/s`,
    ]);
    environment.close();
  });
}

/** replaceAll (snapshot restore) then a full snapshot-view scan (snapshot stream), raw store. */
function snapshotThroughput(pairCount: number): void {
  withDirectory((directory) => {
    const environment = openLmdbEnvironment({ directory, mapSizeBytes });
    const value = filledBytes(valueBytes, 3);
    const pairs = function* (): Generator<[Uint8Array, Uint8Array]> {
      for (let number = 0; number < pairCount; number++) yield [key(number), value];
    };
    const megabytes = (pairCount * (key(0).length + valueBytes)) / (1024 * 1024);
    const writeStart = performance.now();
    environment.kv.replaceAll(pairs(), { appliedIndex: 1, appliedTerm: 1, configuration: null });
    const writeSeconds = seconds(writeStart);
    const readStart = performance.now();
    const view = environment.kv.openSnapshotView();
    let readBytes = 0;
    for (const [pairKey, pairValue] of view.entries()) readBytes += pairKey.byteLength + pairValue.byteLength;
    view.close();
    const readSeconds = seconds(readStart);
    rows.push([
      `snapshot write (replaceAll, ${pairCount.toLocaleString('en-US')} pairs, ${megabytes.toFixed(0)} MB)`,
      `${(megabytes / writeSeconds).toFixed(0)} MB/s`,
    ]);
    rows.push([
      'snapshot read (snapshot view scan)',
      `${(readBytes / (1024 * 1024) / readSeconds).toFixed(0)} MB/s`,
    ]);
    environment.close();
  });
}

/** Builds a store of `keyCount` keys (and a log of `logEntries`), closes it, and times open → first read. */
function reopenTime(keyCount: number, logEntries: number): void {
  withDirectory((directory) => {
    const building = openLmdbEnvironment({ directory, mapSizeBytes });
    const value = filledBytes(64, 5);
    const pairs = function* (): Generator<[Uint8Array, Uint8Array]> {
      for (let number = 0; number < keyCount; number++) yield [key(number), value];
    };
    building.kv.replaceAll(pairs(), { appliedIndex: 1, appliedTerm: 1, configuration: null });
    const data = filledBytes(valueBytes, 1);
    for (let first = 1; first <= logEntries; first += 1024) {
      const entries: Entry[] = [];
      for (let index = first; index < first + 1024 && index <= logEntries; index++) {
        entries.push({ index, term: 1, kind: 'command', data });
      }
      building.log.persist({ hardState: null, entries, snapshot: null });
    }
    building.close();
    const timings: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const start = performance.now();
      const environment = openLmdbEnvironment({ directory, mapSizeBytes });
      const found = environment.kv.get(key(keyCount - 1));
      timings.push(performance.now() - start);
      if (found === undefined) throw new Error('reopen benchmark: the last key is missing');
      environment.close();
    }
    rows.push([
      `reopen, ${keyCount.toLocaleString('en-US')} keys + ${logEntries.toLocaleString('en-US')}-entry log ` +
        '(open → first read, best of 3, warm page cache)',
      `${Math.min(...timings).toFixed(1)} ms`,
    ]);
  });
}

console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
durableAppend(1, 3);
durableAppend(64, 3);
durableAppend(1024, 4);
kvApply(200_000);
snapshotThroughput(500_000);
reopenTime(1_000_000, 0);
reopenTime(1_000_000, 10_000);
reopenTime(1_000_000, 100_000);
console.log('\n| measurement | result |\n|---|---|');
for (const [what, result] of rows) console.log(`| ${what} | ${result} |`);
