// The data directory: initialisation, durability across reopen, the one-time migration of an LMDB log
// from before the write-ahead log (also after a crash half-way), and refusal to open anything it
// cannot trust (unknown format version, failed checksums, corrupt metadata, gaps) with the file named.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeId } from '@raftkv/raft';
import { WalLogStorage } from '@raftkv/wal';
import { nodeFileSystem } from '@raftkv/wal/node-file-system';
import {
  bytesEntry,
  commandEntries,
  configurationEntry,
  configurationOf,
} from '@raftkv/wal/test-support/entries';
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
import { bytes } from './support/kv-store-contract.js';
import { testMapSizeBytes } from './support/lmdb-subjects.js';
import {
  deleteFormatVersion,
  deleteLogEntry,
  flipBitInDataFile,
  legacyLogRemains,
  overwriteHardStateBytes,
  writeFormatVersion,
  writeLegacyLog,
} from './support/raw-lmdb.js';
import { makeTemporaryDirectory, removeDirectory } from './support/temporary-directory.js';

const noUpdate = { hardState: null, entries: [], snapshot: null } as const;
const directories: string[] = [];

function freshDirectory(): string {
  const directory = makeTemporaryDirectory('environment');
  directories.push(directory);
  return directory;
}

const open = (directory: string) => openLmdbEnvironment({ directory, mapSizeBytes: testMapSizeBytes });

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

  test('a legacy LMDB log entry damaged on disk is refused at open (never migrated), naming the file and entry', () => {
    const directory = freshDirectory();
    const marker = bytes('<<entry-seven-payload-marker>>');
    writeLegacyLog(directory, {
      entries: [...commandEntries(1, 6, 1), bytesEntry(7, 1, marker), ...commandEntries(8, 9, 1)],
    });
    expect(flipBitInDataFile(directory, marker)).toBeGreaterThan(0);
    const error = captureOpenError(directory);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect((error as Error).message).toContain(join(directory, dataFileName));
    expect((error as Error).message).toMatch(/log entry 7 fails its checksum/);
  });

  test('corrupt metadata (a legacy hard state record that fails its checksum) is refused at open', () => {
    const directory = freshDirectory();
    writeLegacyLog(directory, { entries: [], hardState: { term: 5, votedFor: null, commitIndex: 0 } });
    overwriteHardStateBytes(directory, Buffer.from('not a framed record'));
    const error = captureOpenError(directory);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect((error as Error).message).toContain(join(directory, dataFileName));
    expect((error as Error).message).toMatch(/hard state record fails its checksum/);
  });

  test('a gap in a legacy LMDB log is refused at open rather than migrated', () => {
    const directory = freshDirectory();
    writeLegacyLog(directory, { entries: commandEntries(1, 5, 1) });
    deleteLogEntry(directory, 3);
    expect(captureOpenError(directory)).toMatchObject({
      name: 'StorageCorruptionError',
      message: expect.stringMatching(/LMDB log is not contiguous: expected entry 3 .* found entry 4/),
    });
    expect(WalLogStorage.existsIn(nodeFileSystem, join(directory, walDirectoryName))).toBe(false);
    expect(legacyLogRemains(directory), 'the damaged log is left as it was').toBe(true);
  });

  test('data without a format-version marker is refused, never treated as a new directory', () => {
    const directory = freshDirectory();
    const environment = open(directory);
    environment.kv.write({ appliedIndex: 1, appliedTerm: 1, configuration: null }, (writer) =>
      writer.put(bytes('user/a'), bytes('1')),
    );
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

describe('the Raft log lives in the write-ahead log; an LMDB log is migrated once', () => {
  const walDirectory = (directory: string) => join(directory, walDirectoryName);
  const update = {
    hardState: { term: 2, votedFor: nodeId('n1'), commitIndex: 3 },
    entries: [configurationEntry(1, 1, configurationOf('n1')), ...commandEntries(2, 5, 2)],
    snapshot: null,
  };
  const legacy = {
    compactionPoint: { index: 2, term: 1, configuration: configurationOf('n1') },
    entries: [configurationEntry(3, 1, configurationOf('n1', 'n2')), ...commandEntries(4, 6, 2)],
    hardState: { term: 2, votedFor: nodeId('n1'), commitIndex: 5 },
  };

  /** The log a data directory serves, as plain values. */
  function logOf(directory: string) {
    const environment = open(directory);
    try {
      const { log } = environment;
      return {
        initialState: log.initialState(),
        bounds: [log.firstIndex(), log.lastIndex()],
        entries: log.entries(log.firstIndex(), log.lastIndex() + 1, Number.MAX_SAFE_INTEGER),
      };
    } finally {
      environment.close();
    }
  }

  const legacyAsServed = {
    initialState: { hardState: legacy.hardState, snapshot: legacy.compactionPoint },
    bounds: [3, 6],
    entries: legacy.entries,
  };

  test('a new directory keeps its log in a write-ahead log, and finds it there when reopened', () => {
    const directory = freshDirectory();
    const first = open(directory);
    first.log.persist(update);
    first.close();
    expect(WalLogStorage.existsIn(nodeFileSystem, walDirectory(directory))).toBe(true);
    expect(legacyLogRemains(directory)).toBe(false);
    const second = open(directory);
    expect([second.log.lastIndex(), second.log.initialState().hardState.term]).toEqual([5, 2]);
    expect(second.log.entries(2, 6, Number.MAX_SAFE_INTEGER)).toEqual(commandEntries(2, 5, 2));
    second.close();
  });

  test('an LMDB log (entries, hard state, compaction point) moves into the write-ahead log at open', () => {
    const directory = freshDirectory();
    writeLegacyLog(directory, legacy);
    expect(logOf(directory)).toEqual(legacyAsServed);
    expect(WalLogStorage.existsIn(nodeFileSystem, walDirectory(directory))).toBe(true);
    expect(legacyLogRemains(directory), 'the LMDB log was cleared').toBe(false);
    // Reopened, it is served from the write-ahead log alone, and new writes go there.
    const environment = open(directory);
    environment.log.persist({ ...noUpdate, entries: commandEntries(7, 7, 2) });
    environment.close();
    expect(logOf(directory).bounds).toEqual([3, 7]);
    expect(legacyLogRemains(directory)).toBe(false);
  });

  test('an LMDB log holding only a hard state (no entry yet) keeps its term and vote', () => {
    const directory = freshDirectory();
    writeLegacyLog(directory, {
      entries: [],
      hardState: { term: 4, votedFor: nodeId('n2'), commitIndex: 0 },
    });
    expect(logOf(directory).initialState).toEqual({
      hardState: { term: 4, votedFor: 'n2', commitIndex: 0 },
      snapshot: null,
    });
    expect(legacyLogRemains(directory)).toBe(false);
  });

  test('a crash after the segment was renamed into place, before the LMDB log was cleared, is finished at open', () => {
    const directory = freshDirectory();
    writeLegacyLog(directory, legacy);
    // What the migration leaves if the process dies between its two steps: the complete segment
    // (renamed only once durable) and the LMDB log still in place.
    WalLogStorage.create({ fileSystem: nodeFileSystem, directory: walDirectory(directory) }, legacy).close();
    expect(legacyLogRemains(directory)).toBe(true);
    expect(logOf(directory)).toEqual(legacyAsServed);
    expect(legacyLogRemains(directory), 'the second open cleared the LMDB log').toBe(false);
    expect(logOf(directory)).toEqual(legacyAsServed);
  });

  test('a crash before the segment was renamed into place leaves the LMDB log, and the migration starts over', () => {
    const directory = freshDirectory();
    writeLegacyLog(directory, legacy);
    mkdirSync(walDirectory(directory));
    writeFileSync(
      join(walDirectory(directory), '0000000000000001.wal.tmp'),
      'a segment cut short by a crash',
    );
    expect(logOf(directory)).toEqual(legacyAsServed);
    expect(readdirSync(walDirectory(directory))).toEqual(['0000000000000001.wal']);
    expect(legacyLogRemains(directory)).toBe(false);
  });

  test('with the write-ahead log, compaction first makes the deferred state machine writes durable (§7)', () => {
    const directory = freshDirectory();
    const environment = open(directory);
    environment.log.persist(update);
    const metadata = { appliedIndex: 4, appliedTerm: 2, configuration: configurationOf('n1') };
    // The apply is deferred: the write-ahead log made the entries durable, and can rebuild it.
    environment.kv.write(metadata, (writer) => writer.put(bytes('user/a'), bytes('1')));
    expect(environment.hasDeferredWrites()).toBe(true);
    environment.log.compact(4);
    expect(environment.hasDeferredWrites()).toBe(false);
    environment.close();
    const reopened = open(directory);
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
