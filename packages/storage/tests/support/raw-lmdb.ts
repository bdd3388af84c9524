// Test support: direct node-lmdb access to an environment's databases, to plant corruption, foreign
// formats and the LMDB log of directories from before the write-ahead log, which the adapters
// themselves no longer write.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Configuration, Entry, HardState, SnapshotMetadata } from '@raftkv/raft';
import { Packr } from 'msgpackr';
import { checksumSeedOf, frameValue } from '../../src/internal/checksum-frame.js';
import { logKey } from '../../src/internal/log-key.js';
import { metadataKey } from '../../src/internal/metadata-records.js';
import { nodeLmdb } from '../../src/internal/node-lmdb.js';

type DatabaseName = 'metadata' | 'log' | 'kv';

/**
 * The format's msgpack (packages/storage/README.md, "On-disk format"), written here independently of
 * the package's own encoder, which no longer writes log records.
 */
const packr = new Packr({ useRecords: false, mapsAsObjects: false, variableMapSize: true });
const encodeRecord = (record: unknown): Buffer => packr.pack(record);
const membersOf = (configuration: Configuration) =>
  configuration.members.map((member) => [member.id, member.role, member.address]);
const encodeHardState = (hardState: HardState) =>
  encodeRecord([hardState.term, hardState.votedFor, hardState.commitIndex]);
const encodeSnapshotMetadata = (point: SnapshotMetadata) =>
  encodeRecord([point.index, point.term, membersOf(point.configuration)]);
const encodeEntry = (entry: Entry) =>
  entry.kind === 'command'
    ? encodeRecord([entry.index, entry.term, 0, entry.data])
    : encodeRecord([entry.index, entry.term, 1, membersOf(entry.configuration)]);

/** packages/storage, where node-lmdb resolves from. */
const packageDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs `body` with a raw write transaction on `directory` and commits. */
export function rawWrite(
  directory: string,
  body: (
    put: (database: DatabaseName, key: Buffer, value: Buffer) => void,
    del: (database: DatabaseName, key: Buffer) => void,
  ) => void,
): void {
  const { handle, databases } = openRaw(directory);
  try {
    const transaction = handle.beginTxn();
    body(
      (database, key, value) => transaction.putBinary(databases[database], key, value),
      (database, key) => transaction.del(databases[database], key),
    );
    transaction.commit();
  } finally {
    handle.close();
  }
}

export function writeFormatVersion(directory: string, version: number): void {
  const key = metadataKey.formatVersion;
  rawWrite(directory, (put) => put('metadata', key, frameValue(encodeRecord(version), checksumSeedOf(key))));
}

export function overwriteHardStateBytes(directory: string, bytes: Buffer): void {
  rawWrite(directory, (put) => put('metadata', metadataKey.hardState, bytes));
}

export function deleteLogEntry(directory: string, index: number): void {
  rawWrite(directory, (_put, del) => del('log', logKey(index)));
}

export function deleteFormatVersion(directory: string): void {
  rawWrite(directory, (_put, del) => del('metadata', metadataKey.formatVersion));
}

/** Flips one bit inside every copy of `marker` in data.mdb; returns how many copies were changed. */
export function flipBitInDataFile(directory: string, marker: Uint8Array): number {
  const file = join(directory, 'data.mdb');
  const contents = readFileSync(file);
  let changed = 0;
  for (let at = contents.indexOf(marker); at !== -1; at = contents.indexOf(marker, at + 1)) {
    contents[at + Math.floor(marker.length / 2)]! ^= 0x01;
    changed++;
  }
  writeFileSync(file, contents);
  return changed;
}

/**
 * Puts raw bytes under `key` from ANOTHER process, while this process keeps its environment open
 * (two handles in one process would share node-lmdb's environment and its reader slots).
 */
export function rawPutFromAnotherProcess(
  directory: string,
  database: DatabaseName,
  key: Buffer,
  value: Buffer,
): void {
  const script = `
    import lmdb from 'node-lmdb';
    const [directory, name, keyHex, valueHex] = process.argv.slice(1);
    const env = new lmdb.Env();
    env.open({ path: directory, mapSize: ${64 * 1024 * 1024}, maxDbs: 3 });
    const database = env.openDbi({ name, create: true, keyIsBuffer: true });
    const transaction = env.beginTxn();
    transaction.putBinary(database, Buffer.from(keyHex, 'hex'), Buffer.from(valueHex, 'hex'));
    transaction.commit();
    env.close();
  `;
  const result = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', script, directory, database, key.toString('hex'), value.toString('hex')],
    { cwd: packageDirectory, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`raw put in a child process failed: ${result.stderr}`);
}

/** What the raw reader can ask: a value (or null), and how many records a database holds. */
export interface RawReader {
  get(database: DatabaseName, key: Buffer): Buffer | null;
  count(database: DatabaseName): number;
}

/** Runs `body` with a raw read transaction on `directory` (no environment may have it open). */
export function rawRead<T>(directory: string, body: (reader: RawReader) => T): T {
  const { handle, databases } = openRaw(directory);
  try {
    const transaction = handle.beginTxn({ readOnly: true });
    try {
      return body({
        get: (database, key) => transaction.getBinary(databases[database], key),
        count: (database) => databases[database].stat(transaction).entryCount,
      });
    } finally {
      transaction.abort();
    }
  } finally {
    handle.close();
  }
}

/** A Raft log as data directories kept it in LMDB before the write-ahead log. */
export interface LegacyLog {
  readonly compactionPoint?: SnapshotMetadata;
  readonly entries: readonly Entry[];
  readonly hardState?: HardState;
}

/**
 * Writes `log` in the LMDB log format of directories from before the write-ahead log (format
 * version 1: entries keyed by 8-byte big-endian index, msgpack ‖ CRC; hard state and compaction
 * point as metadata records), with the format-version marker such a directory has.
 */
export function writeLegacyLog(directory: string, log: LegacyLog): void {
  const metadata = (key: Buffer, payload: Buffer) => frameValue(payload, checksumSeedOf(key));
  rawWrite(directory, (put) => {
    put('metadata', metadataKey.formatVersion, metadata(metadataKey.formatVersion, encodeRecord(1)));
    if (log.hardState !== undefined) {
      put('metadata', metadataKey.hardState, metadata(metadataKey.hardState, encodeHardState(log.hardState)));
    }
    if (log.compactionPoint !== undefined) {
      put(
        'metadata',
        metadataKey.compactionPoint,
        metadata(metadataKey.compactionPoint, encodeSnapshotMetadata(log.compactionPoint)),
      );
    }
    for (const entry of log.entries) put('log', logKey(entry.index), frameValue(encodeEntry(entry), 0));
  });
}

/** Whether the LMDB file still holds any part of a Raft log (entries, hard state, compaction point). */
export function legacyLogRemains(directory: string): boolean {
  return rawRead(
    directory,
    (reader) =>
      reader.count('log') > 0 ||
      reader.get('metadata', metadataKey.hardState) !== null ||
      reader.get('metadata', metadataKey.compactionPoint) !== null,
  );
}

/**
 * The committed value under `key`, read from ANOTHER process while this one keeps its environment
 * (and perhaps an uncommitted write transaction) open: null when absent. What a crash would leave.
 */
export function rawGetFromAnotherProcess(
  directory: string,
  database: DatabaseName,
  key: Buffer,
): Buffer | null {
  const script = `
    import lmdb from 'node-lmdb';
    const [directory, name, keyHex] = process.argv.slice(1);
    const env = new lmdb.Env();
    env.open({ path: directory, mapSize: ${64 * 1024 * 1024}, maxDbs: 3 });
    const database = env.openDbi({ name, create: false, keyIsBuffer: true });
    const transaction = env.beginTxn({ readOnly: true });
    const value = transaction.getBinary(database, Buffer.from(keyHex, 'hex'));
    transaction.abort();
    env.close();
    process.stdout.write(value === null ? 'absent' : value.toString('hex'));
  `;
  const result = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', script, directory, database, key.toString('hex')],
    { cwd: packageDirectory, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`raw get in a child process failed: ${result.stderr}`);
  return result.stdout === 'absent' ? null : Buffer.from(result.stdout, 'hex');
}

/** Opens `directory`'s LMDB file and its three databases, bypassing the storage adapters. */
function openRaw(directory: string) {
  const handle = new nodeLmdb.Env();
  handle.open({ path: directory, mapSize: 64 * 1024 * 1024, maxDbs: 3 });
  const open = (name: DatabaseName) => handle.openDbi({ name, create: true, keyIsBuffer: true });
  return { handle, databases: { metadata: open('metadata'), log: open('log'), kv: open('kv') } };
}
