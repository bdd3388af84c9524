// WalLogStorage over nodeFileSystem: reopen, torn tails, corruption, rewrites, SIGKILL.
import { appendFileSync, copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { AssertionError, type Entry, type HardState, nodeId } from '@raftkv/raft';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  type FileSystem,
  StorageCorruptionError,
  StorageError,
  StorageFullError,
  type TornTail,
  WalLogStorage,
  type WalLogStorageOptions,
} from '../src/index.js';
import { nodeFileSystem } from '../src/node-file-system.js';
import { bundleCrashChild, CrashChildren, CrashLane, firstDifference } from './support/crash-children.js';
import { batchOfEntry, type PlannedLog } from './support/crash-plan.js';
import {
  bytesEntry,
  commandEntries,
  commandEntry,
  configurationEntry,
  configurationOf,
} from './support/entries.js';
import { makeTemporaryDirectory, removeDirectory } from './support/temporary-directory.js';

const noUpdate = { hardState: null, entries: [], snapshot: null } as const;
const everything = Number.MAX_SAFE_INTEGER;
const segmentNamePattern = /^\d{16}\.wal$/;
const magicBytes = 8;
const recordHeaderBytes = 12;

/** The directory under test, fresh for every test and removed after it. */
let directory: string;
/** Every storage a test opened, closed after it (close() is idempotent). */
const opened: WalLogStorage[] = [];

function open(options: Partial<WalLogStorageOptions> = {}): WalLogStorage {
  const storage = WalLogStorage.open({ fileSystem: nodeFileSystem, directory, ...options });
  opened.push(storage);
  return storage;
}

function reopen(storage: WalLogStorage, options: Partial<WalLogStorageOptions> = {}): WalLogStorage {
  storage.close();
  return open(options);
}

function segmentNames(inDirectory = directory): string[] {
  return readdirSync(inDirectory)
    .filter((name) => segmentNamePattern.test(name))
    .sort();
}

/** The path of the one segment the directory must hold. */
function onlySegment(inDirectory = directory): string {
  const names = segmentNames(inDirectory);
  expect(names, `segments in ${inDirectory}`).toHaveLength(1);
  return join(inDirectory, names[0]!);
}

function segmentNumber(name: string): number {
  return Number(name.slice(0, 16));
}

function liveLog(storage: WalLogStorage): Entry[] {
  return storage.entries(storage.firstIndex(), storage.lastIndex() + 1, everything);
}

/** Where each record of a segment starts, walking the length fields after the magic. */
function recordOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  for (let offset = magicBytes; offset < bytes.byteLength; ) {
    offsets.push(offset);
    offset += recordHeaderBytes + bytes.readUInt32LE(offset);
  }
  return offsets;
}

/** A record framed as the format says: [u32 LE length][u32 LE crc32(payload)][u32 LE header crc][payload]. */
function framed(payload: Buffer): Buffer {
  const header = Buffer.alloc(recordHeaderBytes);
  header.writeUInt32LE(payload.byteLength, 0);
  header.writeUInt32LE(crc32(payload), 4);
  header.writeUInt32LE(crc32(header.subarray(0, 8)), 8);
  return Buffer.concat([header, payload]);
}

/** What WalLogStorage.open throws on `directory` (failing the test if it opens). */
function openFailure(): Error {
  let storage: WalLogStorage | undefined;
  try {
    storage = WalLogStorage.open({ fileSystem: nodeFileSystem, directory });
  } catch (error) {
    return error as Error;
  }
  storage.close();
  throw new Error(`WalLogStorage.open(${directory}) succeeded, expected StorageCorruptionError`);
}

function expectCorruptionNaming(path: string, where: string): void {
  const error = openFailure();
  expect(error, where).toBeInstanceOf(StorageCorruptionError);
  expect(error.message, where).toContain(path);
  expect(error.message, `${where}: says what to do`).toContain(
    "this member's log is damaged — rebuild the member from the cluster (apps/node/README.md, 'Rebuilding a member')",
  );
}

/**
 * What a process crashing now would find: the segments as they are in the directory (as written; a
 * SIGKILL loses nothing written), opened from a copy without closing the storage under test.
 */
function afterCrash(): { hardState: HardState; lastIndex: number } {
  const copy = makeTemporaryDirectory('wal-copy');
  try {
    for (const name of segmentNames()) copyFileSync(join(directory, name), join(copy, name));
    const storage = WalLogStorage.open({ fileSystem: nodeFileSystem, directory: copy });
    const found = { hardState: storage.initialState().hardState, lastIndex: storage.lastIndex() };
    storage.close();
    return found;
  } finally {
    removeDirectory(copy);
  }
}

function hardState(term: number, votedFor: string | null, commitIndex: number): HardState {
  return { term, votedFor: votedFor === null ? null : nodeId(votedFor), commitIndex };
}

describe('WalLogStorage', () => {
  beforeEach(() => {
    directory = makeTemporaryDirectory('wal');
  });
  afterEach(() => {
    for (const storage of opened.splice(0)) storage.close();
    removeDirectory(directory);
  });

  describe('reopen', () => {
    test('existsIn is true only once a segment exists', () => {
      expect(WalLogStorage.existsIn(nodeFileSystem, join(directory, 'missing'))).toBe(false);
      expect(WalLogStorage.existsIn(nodeFileSystem, directory)).toBe(false);
      writeFileSync(join(directory, '0000000000000001.wal.tmp'), 'unfinished');
      expect(WalLogStorage.existsIn(nodeFileSystem, directory)).toBe(false);
      open();
      expect(WalLogStorage.existsIn(nodeFileSystem, directory)).toBe(true);
    });

    test('returns the same entries, terms, hard state and bounds as were persisted', () => {
      const entries: Entry[] = [
        commandEntry(1, 1),
        configurationEntry(2, 1, configurationOf('n1', 'n2', 'n3')),
        bytesEntry(3, 2, new Uint8Array([0, 255, 1, 254])),
        bytesEntry(4, 2, new Uint8Array(0)),
        commandEntry(5, 3),
      ];
      let storage = open();
      storage.persist({ hardState: hardState(2, 'n2', 0), entries: entries.slice(0, 4), snapshot: null });
      storage.persist({ hardState: hardState(3, 'n3', 2), entries: entries.slice(4), snapshot: null });
      for (let round = 0; round < 2; round++) {
        storage = reopen(storage);
        expect(storage.firstIndex()).toBe(1);
        expect(storage.lastIndex()).toBe(5);
        expect(liveLog(storage)).toEqual(entries);
        expect([0, 1, 2, 3, 4, 5, 6].map((index) => storage.term(index))).toEqual([
          0,
          1,
          1,
          2,
          2,
          3,
          undefined,
        ]);
        expect(storage.initialState()).toEqual({ hardState: hardState(3, 'n3', 2), snapshot: null });
      }
    });

    test('a commitIndex-only change stays in memory until the next durable persist or close', () => {
      // Paper fig. 2: commitIndex is volatile, so it need not cost an fdatasync of its own.
      const voted = hardState(2, 'n1', 0);
      let storage = open();
      storage.persist({ hardState: voted, entries: commandEntries(1, 3, 2), snapshot: null });
      const segment = onlySegment();
      let durableBytes = statSync(segment).size;

      storage.persist({ ...noUpdate, hardState: { ...voted, commitIndex: 2 } });
      expect(storage.initialState().hardState).toEqual({ ...voted, commitIndex: 2 });
      expect(statSync(segment).size, 'a commitIndex-only change appends nothing').toBe(durableBytes);
      expect(afterCrash().hardState, 'not forced to disk alone').toEqual(voted);

      // The next Ready that must be durable carries it, even with no hard state of its own.
      storage.persist({ ...noUpdate, entries: commandEntries(4, 5, 2) });
      expect(statSync(segment).size).toBeGreaterThan(durableBytes);
      durableBytes = statSync(segment).size;
      expect(afterCrash(), 'written with the next durable persist').toEqual({
        hardState: { ...voted, commitIndex: 2 },
        lastIndex: 5,
      });

      storage.persist({ ...noUpdate, hardState: { ...voted, commitIndex: 5 } });
      expect(statSync(segment).size).toBe(durableBytes);
      expect(afterCrash().hardState).toEqual({ ...voted, commitIndex: 2 });
      // A clean close writes what only memory held.
      storage = reopen(storage);
      expect(storage.initialState().hardState, 'written at close').toEqual({ ...voted, commitIndex: 5 });
      expect(storage.lastIndex()).toBe(5);
    });

    test('a term or vote change alone is forced to disk (paper fig. 2: currentTerm, votedFor)', () => {
      const storage = open();
      const segment = onlySegment();
      let bytes = statSync(segment).size;
      const steps = [
        hardState(4, null, 0),
        hardState(4, 'n2', 0),
        hardState(5, 'n2', 1),
        hardState(5, null, 1),
      ];
      for (const step of steps) {
        storage.persist({ ...noUpdate, hardState: step });
        expect(statSync(segment).size, `${JSON.stringify(step)} appended`).toBeGreaterThan(bytes);
        bytes = statSync(segment).size;
        expect(afterCrash().hardState).toEqual(step);
      }
    });

    test('close is idempotent, and use after close is a programmer error', () => {
      const storage = open();
      storage.close();
      storage.close();
      expect(() => storage.persist({ ...noUpdate, entries: commandEntries(1, 1, 1) })).toThrow(
        AssertionError,
      );
      expect(() => storage.compact(0)).toThrow(AssertionError);
    });
  });

  describe('directory creation', () => {
    test('every directory open creates (mkdir -p) has its parent synced, outermost first', () => {
      const synced: string[] = [];
      const recording: FileSystem = {
        ...nodeFileSystem,
        syncDirectory: (path) => {
          synced.push(path);
          nodeFileSystem.syncDirectory(path);
        },
      };
      const nested = join(directory, 'a', 'b', 'wal');
      const storage = WalLogStorage.open({ fileSystem: recording, directory: nested });
      opened.push(storage);
      const parentSyncs = synced.slice(0, 3);
      expect(parentSyncs).toEqual([directory, join(directory, 'a'), join(directory, 'a', 'b')]);
      expect(synced.slice(3), 'then the first segment is renamed into place').toEqual([nested]);
      storage.close();

      synced.length = 0;
      opened.push(WalLogStorage.open({ fileSystem: recording, directory: nested }));
      expect(synced, 'an existing directory is not created again').toEqual([]);
    });
  });

  describe('torn tail', () => {
    const garbage: [string, Buffer][] = [
      [
        'a header claiming more bytes than exist',
        Buffer.from([0xe8, 0x03, 0, 0, 1, 2, 3, 4, 0xab, 0xab, 0xab]),
      ],
      ['a run of zero bytes', Buffer.alloc(100)],
      ['exactly one zero header', Buffer.alloc(recordHeaderBytes)],
      ['a partial header', Buffer.from([0x20, 0x00, 0x00])],
    ];

    test.each(garbage)('%s after the last durable append is cut off at open; nothing is lost', (_, tail) => {
      let storage = open();
      storage.persist({ hardState: hardState(1, 'n1', 0), entries: commandEntries(1, 4, 1), snapshot: null });
      storage.persist({ hardState: hardState(1, 'n1', 2), entries: commandEntries(5, 6, 1), snapshot: null });
      storage.close();
      const segment = onlySegment();
      const durableBytes = statSync(segment).size;
      appendFileSync(segment, tail);

      const tornTails: TornTail[] = [];
      storage = open({ onTornTail: (tornTail) => tornTails.push(tornTail) });
      expect(tornTails, 'the repair is reported').toEqual([
        { file: segment, validBytes: durableBytes, droppedBytes: tail.byteLength },
      ]);
      expect(liveLog(storage)).toEqual(commandEntries(1, 6, 1));
      expect(storage.initialState()).toEqual({ hardState: hardState(1, 'n1', 2), snapshot: null });
      expect(statSync(segment).size, 'truncated back to the last complete record').toBe(durableBytes);

      storage.persist({ hardState: hardState(2, 'n2', 6), entries: commandEntries(7, 8, 2), snapshot: null });
      storage = reopen(storage, { onTornTail: (tornTail) => tornTails.push(tornTail) });
      expect(tornTails, 'a clean open reports nothing').toHaveLength(1);
      expect(liveLog(storage)).toEqual([...commandEntries(1, 6, 1), ...commandEntries(7, 8, 2)]);
      expect(storage.initialState().hardState).toEqual(hardState(2, 'n2', 6));
      expect(onlySegment()).toBe(segment);
    });

    test('a real append cut at every byte keeps exactly its complete records', () => {
      let storage = open();
      storage.persist({ hardState: hardState(1, 'n1', 0), entries: commandEntries(1, 3, 1), snapshot: null });
      storage.close();
      const segment = onlySegment();
      const durableBytes = statSync(segment).size;
      storage = open();
      storage.persist({ hardState: hardState(2, 'n2', 3), entries: commandEntries(4, 6, 2), snapshot: null });
      storage.close();
      const whole = readFileSync(segment);
      // The append is an entries record, then a hard-state record.
      const appended = recordOffsets(whole).filter((offset) => offset >= durableBytes);
      expect(appended).toHaveLength(2);
      const entriesRecordEnd = appended[1]!;

      for (let end = durableBytes + 1; end < whole.byteLength; end++) {
        writeFileSync(segment, whole.subarray(0, end));
        storage = open();
        const where = `cut at byte ${end} of ${whole.byteLength}`;
        // Never acknowledged, so losing it is allowed; its complete entries record may remain, and
        // entries beyond the hard state break nothing (paper §5.3: they are checked before use).
        const keepsEntries = end >= entriesRecordEnd;
        expect(liveLog(storage), where).toEqual(
          keepsEntries ? [...commandEntries(1, 3, 1), ...commandEntries(4, 6, 2)] : commandEntries(1, 3, 1),
        );
        expect(storage.initialState().hardState, where).toEqual(hardState(1, 'n1', 0));
        expect(statSync(segment).size, where).toBe(keepsEntries ? entriesRecordEnd : durableBytes);
        storage.close();
      }
      writeFileSync(segment, whole);
      storage = open();
      expect(storage.initialState().hardState).toEqual(hardState(2, 'n2', 3));
      expect(storage.lastIndex()).toBe(6);
    });
  });

  describe('corruption', () => {
    /** A segment of several persists; returns its path and bytes. */
    function writeSeveralRecords(): { segment: string; bytes: Buffer } {
      const storage = open();
      storage.persist({ hardState: hardState(1, 'n1', 0), entries: commandEntries(1, 3, 1), snapshot: null });
      storage.persist({ hardState: hardState(1, 'n1', 3), entries: commandEntries(4, 6, 1), snapshot: null });
      storage.persist({ hardState: hardState(2, 'n2', 6), entries: commandEntries(7, 7, 2), snapshot: null });
      storage.close();
      const segment = onlySegment();
      return { segment, bytes: readFileSync(segment) };
    }

    test('a flipped byte inside any earlier record is StorageCorruptionError naming the segment', () => {
      const { segment, bytes } = writeSeveralRecords();
      const offsets = recordOffsets(bytes);
      expect(offsets.length).toBeGreaterThanOrEqual(7);
      for (const offset of offsets.slice(0, -1)) {
        const length = bytes.readUInt32LE(offset);
        const damaged = Buffer.from(bytes);
        damaged[offset + recordHeaderBytes + (length >> 1)]! ^= 0x10;
        writeFileSync(segment, damaged);
        expectCorruptionNaming(segment, `payload byte flipped in the record at ${offset}`);
        damaged.set(bytes);
        damaged[offset + 4]! ^= 0x01;
        writeFileSync(segment, damaged);
        expectCorruptionNaming(segment, `checksum byte flipped in the record at ${offset}`);
      }
      // The same file undamaged opens: the failures came from the flips.
      writeFileSync(segment, bytes);
      const storage = open();
      expect(storage.lastIndex()).toBe(7);
      expect(statSync(segment).size).toBe(bytes.byteLength);
    });

    test('a length field shrunk inside the file, with data after it, is corruption', () => {
      const { segment, bytes } = writeSeveralRecords();
      const offset = recordOffsets(bytes)[2]!;
      const damaged = Buffer.from(bytes);
      damaged.writeUInt32LE(damaged.readUInt32LE(offset) - 1, offset);
      writeFileSync(segment, damaged);
      expectCorruptionNaming(segment, 'shrunk length');
      expect(readFileSync(segment).equals(damaged), 'corruption is never repaired').toBe(true);
    });

    test('a length field grown past the end of the file, with records after it, is corruption, not a torn tail', () => {
      // Without the header's own checksum this looked like an append cut short and every synced
      // record after it would have been cut off.
      const { segment, bytes } = writeSeveralRecords();
      const offset = recordOffsets(bytes)[2]!;
      const damaged = Buffer.from(bytes);
      damaged[offset + 3]! ^= 0x01;
      writeFileSync(segment, damaged);
      expectCorruptionNaming(segment, 'grown length');
      expect(readFileSync(segment).equals(damaged), 'corruption is never repaired').toBe(true);
    });

    test('a flipped bit in the LAST record (complete, ending at the file end) is corruption, not a torn tail', () => {
      // An append cut short leaves a short record or zero bytes; a full-length record that fails its
      // checksum is damage, and cutting it off would silently drop an acknowledged hard state or entry.
      const { segment, bytes } = writeSeveralRecords();
      const last = recordOffsets(bytes).at(-1)!;
      const payloadStart = last + recordHeaderBytes;
      expect(payloadStart + bytes.readUInt32LE(last)).toBe(bytes.byteLength);
      for (let at = payloadStart; at < bytes.byteLength; at++) {
        for (const mask of [0x01, 0x80]) {
          const damaged = Buffer.from(bytes);
          damaged[at]! ^= mask;
          writeFileSync(segment, damaged);
          expectCorruptionNaming(segment, `bit ${mask} of byte ${at} in the last record`);
          expect(readFileSync(segment).equals(damaged), 'corruption is never repaired').toBe(true);
        }
      }
      // The same record cut short by one byte is a torn tail: open drops it and keeps the rest.
      writeFileSync(segment, bytes.subarray(0, bytes.byteLength - 1));
      const tornTails: TornTail[] = [];
      const storage = open({ onTornTail: (tornTail) => tornTails.push(tornTail) });
      expect(tornTails).toEqual([
        { file: segment, validBytes: last, droppedBytes: bytes.byteLength - 1 - last },
      ]);
      expect(storage.initialState().hardState).toEqual(hardState(1, 'n1', 3));
      expect(storage.lastIndex()).toBe(7);
    });

    test('at the file end, a zero-filled payload or record is a torn tail; a partly zeroed payload is corruption', () => {
      const { segment, bytes } = writeSeveralRecords();
      const last = recordOffsets(bytes).at(-1)!;
      const payloadStart = last + recordHeaderBytes;
      const partlyZeroed = Buffer.from(bytes);
      partlyZeroed.fill(0, payloadStart + 1);
      writeFileSync(segment, partlyZeroed);
      expectCorruptionNaming(segment, 'payload zeroed after its first byte');
      for (const [what, zeroFrom] of [
        ['the payload', payloadStart],
        ['the whole record', last],
      ] as const) {
        const zeroed = Buffer.from(bytes);
        zeroed.fill(0, zeroFrom);
        writeFileSync(segment, zeroed);
        const tornTails: TornTail[] = [];
        const storage = open({ onTornTail: (tornTail) => tornTails.push(tornTail) });
        expect(tornTails, `zero-filled ${what}`).toEqual([
          { file: segment, validBytes: last, droppedBytes: bytes.byteLength - last },
        ]);
        expect(storage.initialState().hardState, `zero-filled ${what}`).toEqual(hardState(1, 'n1', 3));
        storage.close();
      }
    });

    test('a record with a valid checksum but an unknown kind is corruption, even at the end', () => {
      const { segment, bytes } = writeSeveralRecords();
      writeFileSync(segment, Buffer.concat([bytes, framed(Buffer.from([0x7f, 1, 2, 3]))]));
      expectCorruptionNaming(segment, 'unknown kind');
    });

    test('a segment without the magic, or too short to hold it, is corruption', () => {
      const { segment, bytes } = writeSeveralRecords();
      const damaged = Buffer.from(bytes);
      damaged.write('XKVWAL01', 0, 'latin1');
      writeFileSync(segment, damaged);
      expectCorruptionNaming(segment, 'wrong magic');
      writeFileSync(segment, bytes.subarray(0, 3));
      expectCorruptionNaming(segment, 'truncated magic');
      writeFileSync(segment, Buffer.alloc(0));
      expectCorruptionNaming(segment, 'empty file');
    });

    test('a segment that does not begin with its starting point is corruption', () => {
      const { segment, bytes } = writeSeveralRecords();
      const [first, second] = recordOffsets(bytes);
      writeFileSync(segment, Buffer.concat([bytes.subarray(0, first!), bytes.subarray(second!)]));
      expectCorruptionNaming(segment, 'first record removed');
    });
  });

  describe('conflicting suffix (paper §5.3)', () => {
    test('entries replace the suffix from their first index, also after reopen', () => {
      let storage = open();
      storage.persist({ ...noUpdate, entries: commandEntries(1, 5, 1) });
      storage.persist({ ...noUpdate, entries: commandEntries(4, 6, 2) });
      const expected = [...commandEntries(1, 3, 1), ...commandEntries(4, 6, 2)];
      for (let round = 0; round < 2; round++) {
        expect(storage.lastIndex()).toBe(6);
        expect(liveLog(storage)).toEqual(expected);
        expect([3, 4, 5, 6, 7].map((index) => storage.term(index))).toEqual([1, 2, 2, 2, undefined]);
        storage = reopen(storage);
      }
    });

    test('a shorter replacement drops the entries after it, also after reopen', () => {
      let storage = open();
      storage.persist({ ...noUpdate, entries: commandEntries(1, 6, 1) });
      storage.persist({ ...noUpdate, entries: [commandEntry(3, 2, 'replacement')] });
      for (let round = 0; round < 2; round++) {
        expect(storage.lastIndex()).toBe(3);
        expect(storage.term(4)).toBeUndefined();
        expect(liveLog(storage)).toEqual([...commandEntries(1, 2, 1), commandEntry(3, 2, 'replacement')]);
        storage = reopen(storage);
      }
      // Appends continue after the replacement, not after the old suffix.
      storage.persist({ ...noUpdate, entries: commandEntries(4, 4, 2) });
      storage = reopen(storage);
      expect(liveLog(storage).map((entry) => `${entry.index}/${entry.term}`)).toEqual([
        '1/1',
        '2/1',
        '3/2',
        '4/2',
      ]);
    });
  });

  describe('compaction (paper §7)', () => {
    const entries: Entry[] = [
      commandEntry(1, 1),
      configurationEntry(2, 1, configurationOf('n1', 'n2')),
      commandEntry(3, 2),
      configurationEntry(4, 2, configurationOf('n1', 'n2', 'n3')),
      commandEntry(5, 3),
    ];

    test('beforeDiscarding runs first, then the term and configuration at the index are kept', () => {
      const calls: { index: number; firstIndex: number; readable: Entry[]; segmentBytes: number }[] = [];
      let storage: WalLogStorage;
      let segment = '';
      const beforeDiscarding = (index: number) => {
        // Still holds the entries: the state machine can be made durable up to `index` from them.
        calls.push({
          index,
          firstIndex: storage.firstIndex(),
          readable: storage.entries(index, index + 1, everything),
          segmentBytes: statSync(segment).size,
        });
      };
      storage = open({ beforeDiscarding });
      segment = onlySegment();
      storage.persist({ hardState: hardState(3, 'n1', 5), entries, snapshot: null });
      const bytesBeforeCompaction = statSync(segment).size;

      storage.compact(3);
      expect(calls).toEqual([
        { index: 3, firstIndex: 1, readable: [entries[2]], segmentBytes: bytesBeforeCompaction },
      ]);
      const atThree = { index: 3, term: 2, configuration: configurationOf('n1', 'n2') };
      for (let round = 0; round < 2; round++) {
        expect(storage.firstIndex()).toBe(4);
        expect(storage.lastIndex()).toBe(5);
        expect(storage.term(3)).toBe(2);
        expect(storage.term(2)).toBeUndefined();
        expect(liveLog(storage)).toEqual(entries.slice(3));
        expect(storage.initialState()).toEqual({ hardState: hardState(3, 'n1', 5), snapshot: atThree });
        storage = reopen(storage, { beforeDiscarding });
      }

      // At or below the compaction point: a no-op, and nothing to announce.
      storage.compact(3);
      storage.compact(2);
      expect(calls).toHaveLength(1);

      storage.compact(5);
      expect(calls.map((call) => [call.index, call.firstIndex])).toEqual([
        [3, 1],
        [5, 4],
      ]);
      for (let round = 0; round < 2; round++) {
        expect(storage.firstIndex()).toBe(6);
        expect(storage.lastIndex()).toBe(5);
        expect(storage.term(5)).toBe(3);
        expect(storage.initialState().snapshot).toEqual({
          index: 5,
          term: 3,
          configuration: configurationOf('n1', 'n2', 'n3'),
        });
        storage = reopen(storage, { beforeDiscarding });
      }

      // No configuration among the discarded entries: the one at the compaction point carries over.
      storage.persist({ ...noUpdate, entries: commandEntries(6, 8, 3) });
      storage.compact(7);
      storage = reopen(storage, { beforeDiscarding });
      expect(storage.initialState().snapshot).toEqual({
        index: 7,
        term: 3,
        configuration: configurationOf('n1', 'n2', 'n3'),
      });
      expect(liveLog(storage)).toEqual(commandEntries(8, 8, 3));
    });

    test('when beforeDiscarding throws, nothing is discarded', () => {
      let storage = open({
        beforeDiscarding: () => {
          throw new Error('state machine not durable');
        },
      });
      storage.persist({ ...noUpdate, entries });
      expect(() => storage.compact(4)).toThrow('state machine not durable');
      for (let round = 0; round < 2; round++) {
        expect(storage.firstIndex()).toBe(1);
        expect(liveLog(storage)).toEqual(entries);
        expect(storage.initialState().snapshot).toBeNull();
        storage = reopen(storage);
      }
    });
  });

  describe('received snapshot (paper §7, thesis §5.2)', () => {
    test('resets the log; entries may follow it in the same persist; survives reopen', () => {
      let storage = open();
      storage.persist({
        hardState: hardState(1, 'n1', 5),
        entries: commandEntries(1, 10, 1),
        snapshot: null,
      });
      const snapshot = { index: 7, term: 3, configuration: configurationOf('n1', 'n4') };
      storage.persist({
        hardState: hardState(3, null, 7),
        entries: [commandEntry(8, 3, 'after snapshot'), commandEntry(9, 3, 'after snapshot')],
        snapshot,
      });
      for (let round = 0; round < 2; round++) {
        expect(storage.firstIndex()).toBe(8);
        expect(storage.lastIndex()).toBe(9);
        expect([6, 7, 8, 9, 10].map((index) => storage.term(index))).toEqual([undefined, 3, 3, 3, undefined]);
        expect(liveLog(storage)).toEqual([
          commandEntry(8, 3, 'after snapshot'),
          commandEntry(9, 3, 'after snapshot'),
        ]);
        expect(storage.initialState()).toEqual({ hardState: hardState(3, null, 7), snapshot });
        storage = reopen(storage);
      }
      // Appends continue from the snapshot's log.
      storage.persist({ ...noUpdate, entries: commandEntries(10, 11, 3) });
      storage = reopen(storage);
      expect(liveLog(storage).map((entry) => entry.index)).toEqual([8, 9, 10, 11]);
    });

    test('a snapshot beyond the log leaves it empty at the snapshot index, also after reopen', () => {
      let storage = open();
      storage.persist({ ...noUpdate, entries: commandEntries(1, 3, 1) });
      const snapshot = { index: 20, term: 5, configuration: configurationOf('n1') };
      storage.persist({ ...noUpdate, snapshot });
      for (let round = 0; round < 2; round++) {
        expect(storage.firstIndex()).toBe(21);
        expect(storage.lastIndex()).toBe(20);
        expect(storage.term(20)).toBe(5);
        expect(storage.term(3)).toBeUndefined();
        expect(storage.initialState().snapshot).toEqual(snapshot);
        storage = reopen(storage);
      }
      storage.persist({ ...noUpdate, entries: commandEntries(21, 22, 5) });
      storage = reopen(storage);
      expect(liveLog(storage)).toEqual(commandEntries(21, 22, 5));
    });
  });

  describe('create (a log brought over from elsewhere)', () => {
    const initial = {
      compactionPoint: { index: 3, term: 1, configuration: configurationOf('n1', 'n2') },
      entries: [...commandEntries(4, 6, 1), configurationEntry(7, 2, configurationOf('n1', 'n2', 'n3'))],
      hardState: hardState(2, 'n2', 5),
    };

    test('starts from the given compaction point, entries and hard state, and reopens with them', () => {
      const expectInitialLog = (storage: WalLogStorage, where: string) => {
        expect(storage.initialState(), where).toEqual({
          hardState: initial.hardState,
          snapshot: initial.compactionPoint,
        });
        expect([storage.firstIndex(), storage.lastIndex(), storage.term(3)], where).toEqual([4, 7, 1]);
        expect(liveLog(storage), where).toEqual(initial.entries);
      };
      const created = WalLogStorage.create({ fileSystem: nodeFileSystem, directory }, initial);
      opened.push(created);
      expectInitialLog(created, 'as created');
      expectInitialLog(reopen(created), 'reopened');
      expect(readdirSync(directory), 'one segment, no temporary file').toEqual(segmentNames());
    });

    test('a create that never reached its rename leaves no log: the next create starts over', () => {
      writeFileSync(join(directory, '0000000000000001.wal.tmp'), 'a segment cut short by a crash');
      expect(WalLogStorage.existsIn(nodeFileSystem, directory)).toBe(false);
      const storage = WalLogStorage.create({ fileSystem: nodeFileSystem, directory }, initial);
      opened.push(storage);
      expect(liveLog(storage)).toEqual(initial.entries);
      expect(readdirSync(directory)).toEqual(segmentNames());
    });

    test('creating over an existing log, or from entries that do not follow the point, is a programmer error', () => {
      open();
      expect(() => WalLogStorage.create({ fileSystem: nodeFileSystem, directory }, initial)).toThrow(
        AssertionError,
      );
      const elsewhere = join(directory, 'elsewhere');
      expect(() =>
        WalLogStorage.create(
          { fileSystem: nodeFileSystem, directory: elsewhere },
          { ...initial, entries: commandEntries(5, 6, 1) },
        ),
      ).toThrow(AssertionError);
    });
  });

  describe('file-system failures become typed errors naming the file; the storage then refuses use', () => {
    /** nodeFileSystem, except that `method` throws an error with `code` once armed. */
    function failing(method: 'syncData' | 'write' | 'rename', code: string) {
      const state = { armed: false };
      const fileSystem: FileSystem = {
        ...nodeFileSystem,
        [method]: (...args: never[]) => {
          if (state.armed) throw Object.assign(new Error(`${code}: injected failure`), { code });
          return (nodeFileSystem[method] as (...args: never[]) => unknown)(...args);
        },
      };
      return { fileSystem, arm: () => (state.armed = true) };
    }

    test('a failed fdatasync (EIO) is a StorageError naming the segment; what was synced before survives', () => {
      const { fileSystem, arm } = failing('syncData', 'EIO');
      const storage = open({ fileSystem });
      storage.persist({ hardState: hardState(1, 'n1', 0), entries: commandEntries(1, 3, 1), snapshot: null });
      arm();
      const persistAgain = () =>
        storage.persist({
          hardState: hardState(1, 'n1', 3),
          entries: commandEntries(4, 5, 1),
          snapshot: null,
        });
      let failure: unknown;
      try {
        persistAgain();
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(StorageError);
      expect((failure as Error).message).toContain(onlySegment());
      expect((failure as Error).message).toMatch(/fdatasync failed: EIO/);
      expect(persistAgain).toThrow(/used after a failed write/);
      const reopened = reopen(storage);
      expect(liveLog(reopened).slice(0, 3)).toEqual(commandEntries(1, 3, 1));
    });

    test('a write refused with ENOSPC is StorageFullError (disk-full) naming the segment', () => {
      const { fileSystem, arm } = failing('write', 'ENOSPC');
      const storage = open({ fileSystem });
      storage.persist({ hardState: hardState(1, 'n1', 0), entries: commandEntries(1, 3, 1), snapshot: null });
      arm();
      let failure: unknown;
      try {
        storage.persist({ ...noUpdate, entries: commandEntries(4, 4, 1) });
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(StorageFullError);
      expect(failure).toMatchObject({ reason: 'disk-full', operation: 'persist' });
      expect((failure as Error).message).toContain(onlySegment());
      expect(liveLog(reopen(storage))).toEqual(commandEntries(1, 3, 1));
    });

    test('an error without a file-system code (not an I/O failure) passes through unchanged', () => {
      const stop = new Error('the machine stopped here');
      const state = { armed: false };
      const fileSystem: FileSystem = {
        ...nodeFileSystem,
        syncData: (descriptor) => {
          if (state.armed) throw stop;
          nodeFileSystem.syncData(descriptor);
        },
      };
      const storage = open({ fileSystem });
      state.armed = true;
      let failure: unknown;
      try {
        storage.persist({
          hardState: hardState(1, 'n1', 0),
          entries: commandEntries(1, 1, 1),
          snapshot: null,
        });
      } catch (error) {
        failure = error;
      }
      expect(failure).toBe(stop);
    });

    test('a rewrite whose rename fails leaves the old segment as the log', () => {
      const { fileSystem, arm } = failing('rename', 'EIO');
      const storage = open({ fileSystem, segmentBytesMin: 1024 });
      const big = Array.from({ length: 8 }, (_, offset) => bytesEntry(1 + offset, 1, new Uint8Array(256)));
      storage.persist({ hardState: hardState(1, 'n1', 0), entries: big, snapshot: null });
      arm();
      // Compaction leaves one live entry: the segment now exceeds max(1024, 4 × live) and is rewritten.
      expect(() => storage.compact(7)).toThrow(/rename from .* failed/);
      expect(() => storage.compact(8)).toThrow(AssertionError);
      const reopened = reopen(storage);
      expect(segmentNames()).toEqual(['0000000000000001.wal']);
      expect(readdirSync(directory)).toEqual(segmentNames());
      expect(reopened.lastIndex()).toBe(8);
      expect(liveLog(reopened).at(-1)).toEqual(big.at(-1));
    });
  });

  describe('segment rewrite', () => {
    const segmentBytesMin = 4096;

    /** Batches of five 100-byte entries, compacting to the last 20 once 40 are live; returns data bytes. */
    function runBatches(storage: WalLogStorage, batches: number, check?: (batch: number) => void): number {
      let persistedBytes = 0;
      for (let batch = 1; batch <= batches; batch++) {
        const first = storage.lastIndex() + 1;
        const entries = [0, 1, 2, 3, 4].map((offset) =>
          bytesEntry(first + offset, batch, new Uint8Array(100).fill((first + offset) % 251)),
        );
        storage.persist({ hardState: hardState(batch, 'n1', first - 1), entries, snapshot: null });
        persistedBytes += 500;
        if (storage.lastIndex() - storage.firstIndex() + 1 > 40) storage.compact(storage.lastIndex() - 20);
        check?.(batch);
      }
      return persistedBytes;
    }

    test('with compaction the directory keeps one bounded segment, and reopen returns the live log', () => {
      let storage = open({ segmentBytesMin });
      const batches = 400;
      const persistedBytes = runBatches(storage, batches, (batch) =>
        expect(segmentNames(), `after batch ${batch}`).toHaveLength(1),
      );
      const [name] = segmentNames();
      const number = segmentNumber(name!);
      expect(number, 'the segment was rewritten').toBeGreaterThan(1);
      // Amortized: a rewrite copies the live log, so it must not happen on every persist.
      expect(number, 'rewrites per persist').toBeLessThan(batches / 4);
      const bytes = statSync(join(directory, name!)).size;
      // At most max(segmentBytesMin, 4 × live log): about 4 × 40 entries of ~120 bytes.
      expect(bytes).toBeLessThan(24 * 1024);
      expect(persistedBytes).toBeGreaterThan(8 * bytes);

      const live = liveLog(storage);
      const initialState = storage.initialState();
      const firstIndex = storage.firstIndex();
      expect(live.length).toBeGreaterThanOrEqual(20);
      storage = reopen(storage, { segmentBytesMin });
      expect(storage.firstIndex()).toBe(firstIndex);
      expect(liveLog(storage)).toEqual(live);
      expect(storage.initialState()).toEqual(initialState);
      expect(storage.term(firstIndex - 1)).toBe(initialState.snapshot!.term);
      expect(readdirSync(directory)).toEqual([name]);
    });

    test('a rewrite of more live entries than one record holds reopens intact', () => {
      let storage = open({ segmentBytesMin });
      storage.persist({
        hardState: hardState(2, 'n3', 10_000),
        entries: Array.from({ length: 10_000 }, (_, offset) =>
          bytesEntry(1 + offset, 1, new Uint8Array(200).fill(offset % 251)),
        ),
        snapshot: null,
      });
      const small = Array.from({ length: 5_000 }, (_, offset) =>
        bytesEntry(10_001 + offset, 2, new Uint8Array([offset % 256])),
      );
      storage.persist({ ...noUpdate, entries: small });
      expect(segmentNumber(segmentNames()[0]!)).toBe(1);
      // Discards ~2 MB, leaving 5000 small entries: the segment is now far beyond 4 × the live log.
      storage.compact(10_000);
      expect(segmentNumber(segmentNames()[0]!), 'rewritten').toBe(2);
      storage = reopen(storage, { segmentBytesMin });
      expect(storage.firstIndex()).toBe(10_001);
      expect(storage.term(10_000)).toBe(1);
      expect(liveLog(storage)).toEqual(small);
      // The rewritten segment is the whole log: the hard state is in it too (paper fig. 2).
      expect(storage.initialState().hardState).toEqual(hardState(2, 'n3', 10_000));
    });

    test('a leftover *.tmp file (a rewrite never renamed) is removed at open and ignored', () => {
      let storage = open();
      storage.persist({ hardState: hardState(1, 'n1', 0), entries: commandEntries(1, 3, 1), snapshot: null });
      storage.close();
      const segment = onlySegment();
      // A complete segment with another log and a higher number, but under its temporary name.
      const other = makeTemporaryDirectory('wal-other');
      try {
        const otherStorage = WalLogStorage.open({ fileSystem: nodeFileSystem, directory: other });
        otherStorage.persist({ ...noUpdate, entries: commandEntries(1, 9, 7) });
        otherStorage.close();
        copyFileSync(onlySegment(other), join(directory, '0000000000000009.wal.tmp'));
      } finally {
        removeDirectory(other);
      }
      storage = open();
      expect(liveLog(storage)).toEqual(commandEntries(1, 3, 1));
      expect(storage.initialState().hardState).toEqual(hardState(1, 'n1', 0));
      expect(readdirSync(directory).map((name) => join(directory, name))).toEqual([segment]);
    });

    test('an older segment beside a newer complete one is removed at open; the newer one wins', () => {
      let storage = open({ segmentBytesMin });
      runBatches(storage, 60);
      const newest = segmentNames()[0]!;
      expect(segmentNumber(newest)).toBeGreaterThan(1);
      const live = liveLog(storage);
      const initialState = storage.initialState();
      storage.close();
      // What a crash between the rename of a rewrite and the removal of its predecessor leaves; the
      // older segment holds a different log here, so which one won is visible.
      const other = makeTemporaryDirectory('wal-other');
      try {
        const otherStorage = WalLogStorage.open({ fileSystem: nodeFileSystem, directory: other });
        otherStorage.persist({
          hardState: hardState(9, 'n9', 0),
          entries: commandEntries(1, 9, 9),
          snapshot: null,
        });
        otherStorage.close();
        copyFileSync(onlySegment(other), join(directory, '0000000000000001.wal'));
      } finally {
        removeDirectory(other);
      }
      expect(segmentNames()).toEqual(['0000000000000001.wal', newest]);
      storage = open({ segmentBytesMin });
      expect(liveLog(storage)).toEqual(live);
      expect(storage.initialState()).toEqual(initialState);
      expect(segmentNames()).toEqual([newest]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// SIGKILL crash safety, as tests/crash-safety.test.ts does for the LMDB log.
// ---------------------------------------------------------------------------------------------

const kills = 60;
/**
 * A hang guard, not a speed assertion: the work is bounded by `kills`. One run took 17 s with load
 * average 10–13 on the 2-core machine; a machine twice as slow as idle stays far inside.
 */
const hangGuardMilliseconds = 300_000;
/** Independent directories killed concurrently, so child start-up time overlaps. */
const lanes = 4;
/** Small, so the child's segment is rewritten every few batches and kills also hit rewrites. */
const crashSegmentBytesMin = 4096;
const seed = Number(process.env.RAFTKV_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe('WalLogStorage crash safety', () => {
  let workDirectory: string;
  let childBundle: string;
  /** Children not yet reaped, killed in afterAll if the test fails part-way. */
  const children = new CrashChildren();
  /** Set when a lane fails, so the other lanes stop at their next kill. */
  let laneFailed = false;

  beforeAll(async () => {
    workDirectory = makeTemporaryDirectory('wal-crash');
    childBundle = await bundleCrashChild(
      fileURLToPath(new URL('./support/wal-crash-child.ts', import.meta.url)),
      workDirectory,
    );
  });

  afterAll(() => {
    children.killAll();
    removeDirectory(workDirectory);
  });

  test(
    `every reported batch survives ${kills} SIGKILLs at random points (seed=${seed})`,
    async () => {
      console.log(`wal crash-safety seed=${seed} (${lanes} lanes, each its own directory and child)`);
      const startedAt = performance.now();
      // Every lane has stopped before this test ends, so afterAll removes directories no child recreates.
      const settled = await Promise.allSettled(
        Array.from({ length: lanes }, (_, lane) =>
          runLane(lane, Math.ceil((kills - lane) / lanes)).catch((error: unknown) => {
            laneFailed = true;
            throw error;
          }),
        ),
      );
      const results = settled.map((outcome) => {
        if (outcome.status === 'rejected') throw outcome.reason;
        return outcome.value;
      });
      const seconds = (performance.now() - startedAt) / 1000;
      const total = (pick: (result: LaneResult) => number) =>
        results.reduce((sum, result) => sum + pick(result), 0);
      console.log(
        `wal crash-safety: ${total((result) => result.kills)} kills, ${total((result) => result.durableBatches)} ` +
          `batches durable, ${total((result) => result.unreportedBatches)} unreported batches found durable ` +
          `(${total((result) => result.tornBetweenRecords)} without their hard state), ` +
          `${total((result) => result.segmentRewrites)} segment rewrites, ${seconds.toFixed(1)} s`,
      );
      expect(total((result) => result.kills)).toBe(kills);
      for (const result of results) expect(result.durableBatches).toBeGreaterThan(result.kills / 2);
      expect(
        total((result) => result.segmentRewrites),
        'segments were rewritten between the kills',
      ).toBeGreaterThan(0);
    },
    hangGuardMilliseconds,
  );

  interface LaneResult {
    readonly kills: number;
    readonly durableBatches: number;
    readonly unreportedBatches: number;
    /** Unreported batches whose entries survived without their hard state. */
    readonly tornBetweenRecords: number;
    readonly segmentRewrites: number;
  }

  /** One directory, killed `laneKills` times; each lane has its own seed derived from the test seed. */
  async function runLane(laneNumber: number, laneKills: number): Promise<LaneResult> {
    const lane = new CrashLane(seed, laneNumber, workDirectory);
    let unreportedBatches = 0;
    let tornBetweenRecords = 0;
    for (let kill = 0; kill < laneKills && !laneFailed; kill++) {
      await lane.runUntilKilled(children, childBundle, [String(crashSegmentBytesMin)]);
      const { reportedBatch } = lane;
      const found = verifyAfterCrash(
        lane.directory,
        lane.model,
        reportedBatch,
        `lane ${laneNumber} kill ${kill}`,
      );
      if (found.durableBatch > reportedBatch) unreportedBatches++;
      if (found.previousHardState) tornBetweenRecords++;
    }
    const segmentRewrites = segmentNumber(segmentNames(lane.directory)[0]!) - 1;
    return {
      kills: laneKills,
      durableBatches: lane.model.batch,
      unreportedBatches,
      tornBetweenRecords,
      segmentRewrites,
    };
  }

  /** Opens the log the child left and checks it against the plan. */
  function verifyAfterCrash(
    directory: string,
    model: PlannedLog,
    reportedBatch: number,
    where: string,
  ): { readonly durableBatch: number; readonly previousHardState: boolean } {
    const log = WalLogStorage.open({
      fileSystem: nodeFileSystem,
      directory,
      segmentBytesMin: crashSegmentBytesMin,
    });
    try {
      const lastIndex = log.lastIndex();
      const durableBatch = lastIndex === 0 ? 0 : batchOfEntry(log.entries(lastIndex, lastIndex + 1, 0)[0]!);
      expect(durableBatch, `${where}: a reported batch was lost`).toBeGreaterThanOrEqual(reportedBatch);
      // The child prints each batch as soon as persist returns: at most the one in flight is unreported.
      expect(durableBatch, `${where}: batches beyond the child's last report`).toBeLessThanOrEqual(
        reportedBatch + 1,
      );
      model.advanceTo(durableBatch - 1);
      const previousHardState = model.hardState;
      model.advanceTo(durableBatch);
      expect(lastIndex, `${where}: last index`).toBe(model.entries.length);
      const firstIndex = log.firstIndex();
      expect(firstIndex, `${where}: first index`).toBeGreaterThanOrEqual(1);
      if (lastIndex > 0) {
        expect(firstIndex, `${where}: compacted beyond the last entry`).toBeLessThanOrEqual(lastIndex);
      }
      const stored = log.entries(firstIndex, lastIndex + 1, everything);
      expect(
        firstDifference(stored, model.entries.slice(firstIndex - 1)),
        `${where}: log contents`,
      ).toBeUndefined();
      expect(log.term(firstIndex - 1), `${where}: term before the first entry`).toBe(
        firstIndex === 1 ? 0 : model.entries[firstIndex - 2]!.term,
      );
      const { hardState: stateAfterCrash } = log.initialState();
      if (durableBatch === reportedBatch) {
        // Reported, so persist returned: its hard state was synced with its entries (paper fig. 2).
        expect(stateAfterCrash, `${where}: hard state of the reported batch`).toEqual(model.hardState);
      } else {
        // The in-flight append: SIGKILL can stop a write() between pages, after its entries record.
        expect(
          [model.hardState, previousHardState],
          `${where}: hard state of an unreported batch`,
        ).toContainEqual(stateAfterCrash);
      }
      // Open leaves only the newest segment: no temporary file, no superseded segment.
      expect(readdirSync(directory), `${where}: directory after open`).toEqual(segmentNames(directory));
      expect(segmentNames(directory), `${where}: segments`).toHaveLength(1);
      return { durableBatch, previousHardState: !equalHardStates(stateAfterCrash, model.hardState) };
    } finally {
      log.close();
    }
  }
});

function equalHardStates(left: HardState, right: HardState): boolean {
  return (
    left.term === right.term && left.votedFor === right.votedFor && left.commitIndex === right.commitIndex
  );
}
