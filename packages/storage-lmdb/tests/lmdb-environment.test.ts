// The LMDB environment: initialisation, durability across reopen, which log storage a directory uses,
// and refusal to open anything it cannot trust (unknown format version, failed checksums, corrupt
// metadata, gaps, two logs) with the file named.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeId } from '@raftkv/raft';
import { WalLogStorage } from '@raftkv/wal';
import { nodeFileSystem } from '@raftkv/wal/node-file-system';
import { afterEach, describe, expect, test } from 'vitest';
import {
  dataFileName,
  openLmdbEnvironment,
  StorageCorruptionError,
  StorageFormatVersionError,
  StorageInUseError,
  storageFormatVersion,
  walDirectoryName,
} from '../src/index.js';
import { logKey } from '../src/internal/log-key.js';
import { bytesEntry, commandEntries, configurationEntry, configurationOf } from './support/entries.js';
import { bytes } from './support/kv-store-contract.js';
import { testMapSizeBytes } from './support/lmdb-subjects.js';
import {
  deleteFormatVersion,
  deleteLogEntry,
  flipBitInDataFile,
  overwriteHardStateBytes,
  rawPutFromAnotherProcess,
  writeFormatVersion,
} from './support/raw-lmdb.js';
import { makeTemporaryDirectory, removeDirectory } from './support/temporary-directory.js';

const noUpdate = { hardState: null, entries: [], snapshot: null } as const;
const directories: string[] = [];

function freshDirectory(): string {
  const directory = makeTemporaryDirectory('environment');
  directories.push(directory);
  return directory;
}

/** These tests damage the LMDB log database, so they ask for the log in LMDB. */
const open = (directory: string) =>
  openLmdbEnvironment({ directory, mapSizeBytes: testMapSizeBytes, logStorage: 'lmdb' });

afterEach(() => {
  for (const directory of directories.splice(0)) removeDirectory(directory);
});

describe('LMDB environment', () => {
  test('a brand-new directory is created and initialised empty, and reopens', () => {
    const directory = join(freshDirectory(), 'nested', 'node-1');
    const environment = open(directory);
    expect(environment.dataFile).toBe(join(directory, dataFileName));
    expect(environment.log.lastIndex()).toBe(0);
    expect(environment.kv.metadata().appliedIndex).toBe(0);
    environment.close();
    open(directory).close();
  });

  test('log, hard state, compaction point and KV data survive close and reopen in one shared file', () => {
    const directory = freshDirectory();
    const first = open(directory);
    first.log.persist({
      hardState: { term: 2, votedFor: nodeId('n3'), commitIndex: 4 },
      entries: [configurationEntry(1, 1, configurationOf('n1', 'n2', 'n3')), ...commandEntries(2, 6, 2)],
      snapshot: null,
    });
    first.log.compact(3);
    const metadata = { appliedIndex: 3, appliedTerm: 2, configuration: configurationOf('n1', 'n2', 'n3') };
    first.kv.write(metadata, (writer) => writer.put(bytes('user/a'), bytes('1')));
    first.close();

    const second = open(directory);
    expect(second.log.initialState()).toEqual({
      hardState: { term: 2, votedFor: 'n3', commitIndex: 4 },
      snapshot: { index: 3, term: 2, configuration: configurationOf('n1', 'n2', 'n3') },
    });
    expect([second.log.firstIndex(), second.log.lastIndex(), second.log.term(3), second.log.term(6)]).toEqual(
      [4, 6, 2, 2],
    );
    expect(second.log.entries(4, 7, Number.MAX_SAFE_INTEGER)).toEqual(commandEntries(4, 6, 2));
    expect(second.kv.metadata()).toEqual(metadata);
    expect(Buffer.from(second.kv.get(bytes('user/a'))!).toString()).toBe('1');
    second.close();
  });

  test('a second open of the same directory in one process is refused until the first closes', () => {
    const directory = freshDirectory();
    const environment = open(directory);
    expect(() => open(directory)).toThrow(StorageInUseError);
    environment.close();
    open(directory).close();
  });

  test('an unknown format version is refused with a clear error naming the file', () => {
    const directory = freshDirectory();
    open(directory).close();
    writeFormatVersion(directory, 99);
    const error = captureOpenError(directory);
    expect(error).toBeInstanceOf(StorageFormatVersionError);
    expect(error).toMatchObject({ foundVersion: 99, supportedVersion: storageFormatVersion });
    expect((error as Error).message).toContain(join(directory, dataFileName));
    expect((error as Error).message).toMatch(/format version 99 is not supported/);
  });

  test('a log entry whose bytes were damaged on disk is refused at open, naming the file and entry', () => {
    const directory = freshDirectory();
    const environment = open(directory);
    const marker = bytes('<<entry-seven-payload-marker>>');
    environment.log.persist({
      ...noUpdate,
      entries: [...commandEntries(1, 6, 1), bytesEntry(7, 1, marker), ...commandEntries(8, 9, 1)],
    });
    environment.close();
    expect(flipBitInDataFile(directory, marker)).toBeGreaterThan(0);
    const error = captureOpenError(directory);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect((error as Error).message).toContain(join(directory, dataFileName));
    expect((error as Error).message).toMatch(/log entry 7 fails its checksum/);
  });

  test('a damaged entry is also caught when read after open (checksum verified on every read)', () => {
    const directory = freshDirectory();
    const environment = open(directory);
    environment.log.persist({ ...noUpdate, entries: commandEntries(1, 3, 1) });
    rawPutFromAnotherProcess(directory, 'log', logKey(2), Buffer.from('bytes that are not a framed entry'));
    expect(() => environment.log.entries(1, 4, Number.MAX_SAFE_INTEGER)).toThrow(
      /log entry 2 fails its checksum/,
    );
    expect(environment.log.entries(3, 4, 1024)).toEqual(commandEntries(3, 3, 1));
    environment.close();
  });

  test('corrupt metadata (a hard state record that fails its checksum) is refused at open', () => {
    const directory = freshDirectory();
    const environment = open(directory);
    environment.log.persist({ ...noUpdate, hardState: { term: 5, votedFor: null, commitIndex: 0 } });
    environment.close();
    overwriteHardStateBytes(directory, Buffer.from('not a framed record'));
    const error = captureOpenError(directory);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect((error as Error).message).toContain(join(directory, dataFileName));
    expect((error as Error).message).toMatch(/hard state record fails its checksum/);
  });

  test('a gap in the log is refused at open rather than served', () => {
    const directory = freshDirectory();
    const environment = open(directory);
    environment.log.persist({ ...noUpdate, entries: commandEntries(1, 5, 1) });
    environment.close();
    deleteLogEntry(directory, 3);
    expect(captureOpenError(directory)).toMatchObject({
      name: 'StorageCorruptionError',
      message: expect.stringMatching(/log is not contiguous: expected entry 3 .* found entry 4/),
    });
  });

  test('data without a format-version marker is refused, never treated as a new directory', () => {
    const directory = freshDirectory();
    const environment = open(directory);
    environment.log.persist({ ...noUpdate, entries: commandEntries(1, 2, 1) });
    environment.close();
    deleteFormatVersion(directory);
    expect(captureOpenError(directory)).toMatchObject({
      name: 'StorageCorruptionError',
      message: expect.stringMatching(/format-version marker is missing but the databases hold data/),
    });
  });

  test('a data file that is not LMDB at all is refused with the file named', () => {
    const directory = freshDirectory();
    writeFileSync(join(directory, dataFileName), Buffer.alloc(64 * 1024, 0x5a));
    const error = captureOpenError(directory);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect((error as Error).message).toContain(join(directory, dataFileName));
  });

  test('a bad mapSizeBytes is a clear RangeError', () => {
    expect(() => openLmdbEnvironment({ directory: freshDirectory(), mapSizeBytes: -1 })).toThrow(RangeError);
  });
});

describe('which log storage a directory uses', () => {
  const openDefault = (directory: string) =>
    openLmdbEnvironment({ directory, mapSizeBytes: testMapSizeBytes });
  const update = {
    hardState: { term: 2, votedFor: nodeId('n1'), commitIndex: 3 },
    entries: [configurationEntry(1, 1, configurationOf('n1')), ...commandEntries(2, 5, 2)],
    snapshot: null,
  };

  test('a new directory keeps its log in a write-ahead log, and keeps it there when reopened', () => {
    const directory = freshDirectory();
    const first = openDefault(directory);
    expect(first.logStorage).toBe('write-ahead-log');
    first.log.persist(update);
    first.close();
    expect(WalLogStorage.existsIn(nodeFileSystem, join(directory, walDirectoryName))).toBe(true);
    // Asking for the LMDB log does not move a directory that has a write-ahead log.
    const second = open(directory);
    expect(second.logStorage).toBe('write-ahead-log');
    expect([second.log.lastIndex(), second.log.initialState().hardState.term]).toEqual([5, 2]);
    expect(second.log.entries(2, 6, Number.MAX_SAFE_INTEGER)).toEqual(commandEntries(2, 5, 2));
    second.close();
  });

  test('a directory whose log is in LMDB keeps using it when reopened with the default', () => {
    const directory = freshDirectory();
    const first = open(directory);
    expect(first.logStorage).toBe('lmdb');
    first.log.persist(update);
    first.close();
    const second = openDefault(directory);
    expect(second.logStorage).toBe('lmdb');
    expect(second.log.lastIndex()).toBe(5);
    second.close();
    expect(WalLogStorage.existsIn(nodeFileSystem, join(directory, walDirectoryName))).toBe(false);
  });

  test('a directory holding a log in LMDB AND a write-ahead log is refused, never merged', () => {
    const directory = freshDirectory();
    const lmdb = open(directory);
    lmdb.log.persist(update);
    lmdb.close();
    const wal = WalLogStorage.open({
      fileSystem: nodeFileSystem,
      directory: join(directory, walDirectoryName),
    });
    wal.persist(update);
    wal.close();
    const error = captureOpenError(directory);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect((error as Error).message).toContain('both the LMDB log and the write-ahead log');
  });

  test('with the write-ahead log, compaction first makes the deferred state machine writes durable (§7)', () => {
    const directory = freshDirectory();
    const environment = openDefault(directory);
    environment.log.persist(update);
    const metadata = { appliedIndex: 4, appliedTerm: 2, configuration: configurationOf('n1') };
    // A syncing turn still defers its LMDB commit: the write-ahead log made the entries durable.
    environment.turnTransaction.run(() => {
      environment.kv.write(metadata, (writer) => writer.put(bytes('user/a'), bytes('1')));
    }, true);
    expect(environment.hasDeferredTurns()).toBe(true);
    environment.log.compact(4);
    expect(environment.hasDeferredTurns()).toBe(false);
    environment.close();
    const reopened = openDefault(directory);
    expect(reopened.log.firstIndex()).toBe(5);
    expect(reopened.kv.metadata()).toEqual(metadata);
    reopened.close();
  });
});

function captureOpenError(directory: string): unknown {
  try {
    open(directory).close();
  } catch (error) {
    return error;
  }
  throw new Error(`expected opening ${directory} to be refused`);
}
