// The LogStorage contract (packages/raft/src/types.ts), written once and run against every
// implementation: MemoryLogStorage (the test double) and WalLogStorage. Behaviour only, no internals.
import { AssertionError, type Entry, type LogStorage, nodeId, SeededPrng } from '@raftkv/raft';
import {
  bytesEntry,
  commandEntries,
  commandEntry,
  configurationEntry,
  configurationOf,
} from '@raftkv/wal/test-support/entries';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { LogModel } from './log-model.js';

export interface LogStorageSubject {
  readonly storage: LogStorage;
  /** For durable implementations: close and open again from stable storage. */
  readonly reopen?: () => LogStorage;
  dispose(): void;
}

const noUpdate = { hardState: null, entries: [], snapshot: null } as const;

export function describeLogStorageContract(implementation: string, create: () => LogStorageSubject): void {
  describe(`LogStorage contract: ${implementation}`, () => {
    let subject: LogStorageSubject;
    let storage: LogStorage;

    beforeEach(() => {
      subject = create();
      storage = subject.storage;
    });
    afterEach(() => subject.dispose());

    test('a new log is empty: firstIndex 1, lastIndex 0, term(0) = 0, zero hard state, no snapshot', () => {
      expect(storage.firstIndex()).toBe(1);
      expect(storage.lastIndex()).toBe(0);
      expect(storage.term(0)).toBe(0);
      expect(storage.term(1)).toBeUndefined();
      expect(storage.entries(1, 1, 1024)).toEqual([]);
      expect(storage.initialState()).toEqual({
        hardState: { term: 0, votedFor: null, commitIndex: 0 },
        snapshot: null,
      });
    });

    test('persisted entries read back exactly, command bytes and configurations included', () => {
      const entries: Entry[] = [
        commandEntry(1, 1),
        configurationEntry(2, 1, configurationOf('n1', 'n2', 'n3')),
        bytesEntry(3, 2, new Uint8Array([0, 255, 1, 254])),
        bytesEntry(4, 2, new Uint8Array(0)),
      ];
      storage.persist({ ...noUpdate, entries });
      expect(storage.lastIndex()).toBe(4);
      expect(storage.entries(1, 5, Number.MAX_SAFE_INTEGER)).toEqual(entries);
      expect(storage.entries(2, 4, Number.MAX_SAFE_INTEGER)).toEqual(entries.slice(1, 3));
      expect([0, 1, 2, 3, 4, 5].map((index) => storage.term(index))).toEqual([0, 1, 1, 2, 2, undefined]);
    });

    test('hard state is persisted on its own and replaced whole (paper fig. 2)', () => {
      storage.persist({ ...noUpdate, hardState: { term: 3, votedFor: nodeId('n2'), commitIndex: 0 } });
      expect(storage.initialState().hardState).toEqual({ term: 3, votedFor: 'n2', commitIndex: 0 });
      storage.persist({ ...noUpdate, hardState: { term: 4, votedFor: null, commitIndex: 0 } });
      expect(storage.initialState().hardState).toEqual({ term: 4, votedFor: null, commitIndex: 0 });
    });

    test('entries overwrite the conflicting suffix from their first index (paper §5.3)', () => {
      storage.persist({ ...noUpdate, entries: commandEntries(1, 6, 1) });
      const replacement = [commandEntry(4, 2, 'new 4'), commandEntry(5, 2, 'new 5')];
      storage.persist({ ...noUpdate, entries: replacement });
      expect(storage.lastIndex()).toBe(5);
      expect(storage.term(6)).toBeUndefined();
      expect(storage.entries(1, 6, Number.MAX_SAFE_INTEGER)).toEqual([
        ...commandEntries(1, 3, 1),
        ...replacement,
      ]);
    });

    test('entries() returns at least one entry, then stops before maxBytes would be exceeded', () => {
      const hundredBytes = (index: number) => bytesEntry(index, 1, new Uint8Array(100).fill(index));
      storage.persist({ ...noUpdate, entries: [1, 2, 3, 4, 5].map(hundredBytes) });
      expect(storage.entries(1, 6, 0)).toEqual([hundredBytes(1)]);
      expect(storage.entries(1, 6, 300)).toEqual([hundredBytes(1), hundredBytes(2)]);
      expect(storage.entries(2, 6, Number.MAX_SAFE_INTEGER)).toHaveLength(4);
    });

    test('compact discards a prefix and keeps its last term and configuration (paper §7, thesis §4.1)', () => {
      storage.persist({
        ...noUpdate,
        entries: [
          commandEntry(1, 1),
          configurationEntry(2, 1, configurationOf('n1', 'n2')),
          commandEntry(3, 2),
          configurationEntry(4, 2, configurationOf('n1', 'n2', 'n3')),
          commandEntry(5, 3),
        ],
      });
      storage.compact(3);
      expect(storage.firstIndex()).toBe(4);
      expect(storage.lastIndex()).toBe(5);
      expect(storage.term(3)).toBe(2);
      expect(storage.term(2)).toBeUndefined();
      expect(storage.initialState().snapshot).toEqual({
        index: 3,
        term: 2,
        configuration: configurationOf('n1', 'n2'),
      });
      expect(storage.entries(4, 6, Number.MAX_SAFE_INTEGER).map((entry) => entry.index)).toEqual([4, 5]);

      storage.compact(5);
      expect(storage.firstIndex()).toBe(6);
      expect(storage.lastIndex()).toBe(5);
      expect(storage.term(5)).toBe(3);
      expect(storage.initialState().snapshot?.configuration).toEqual(configurationOf('n1', 'n2', 'n3'));
    });

    test('compact at or below the compaction point changes nothing', () => {
      storage.persist({ ...noUpdate, entries: commandEntries(1, 4, 1) });
      storage.compact(2);
      storage.compact(2);
      storage.compact(1);
      expect(storage.firstIndex()).toBe(3);
      expect(storage.initialState().snapshot).toEqual({ index: 2, term: 1, configuration: { members: [] } });
    });

    test('compaction carries the previous configuration forward when the prefix holds none', () => {
      storage.persist({
        ...noUpdate,
        entries: [configurationEntry(1, 1, configurationOf('n1')), ...commandEntries(2, 6, 1)],
      });
      storage.compact(2);
      storage.compact(5);
      expect(storage.initialState().snapshot).toEqual({
        index: 5,
        term: 1,
        configuration: configurationOf('n1'),
      });
    });

    test('a received snapshot replaces the whole log, then entries follow it in the same persist (thesis §5.2)', () => {
      storage.persist({ ...noUpdate, entries: commandEntries(1, 10, 1) });
      const snapshot = { index: 7, term: 3, configuration: configurationOf('n1', 'n4') };
      storage.persist({
        hardState: { term: 3, votedFor: null, commitIndex: 7 },
        entries: [commandEntry(8, 3, 'after snapshot')],
        snapshot,
      });
      expect(storage.firstIndex()).toBe(8);
      expect(storage.lastIndex()).toBe(8);
      expect(storage.term(7)).toBe(3);
      expect(storage.entries(8, 9, 1024)).toEqual([commandEntry(8, 3, 'after snapshot')]);
      expect(storage.initialState()).toEqual({
        hardState: { term: 3, votedFor: null, commitIndex: 7 },
        snapshot,
      });
    });

    test('a snapshot beyond the log leaves it empty at the snapshot index', () => {
      storage.persist({ ...noUpdate, entries: commandEntries(1, 3, 1) });
      storage.persist({
        ...noUpdate,
        snapshot: { index: 20, term: 5, configuration: configurationOf('n1') },
      });
      expect(storage.firstIndex()).toBe(21);
      expect(storage.lastIndex()).toBe(20);
      expect(storage.term(20)).toBe(5);
      expect(storage.term(3)).toBeUndefined();
      expect(storage.entries(21, 21, 0)).toEqual([]);
    });

    test('an empty update changes nothing', () => {
      storage.persist({ ...noUpdate, entries: commandEntries(1, 2, 1) });
      storage.persist(noUpdate);
      expect(storage.lastIndex()).toBe(2);
    });

    test('misuse is a programmer error (AssertionError): gaps, out-of-range reads and compaction', () => {
      storage.persist({ ...noUpdate, entries: commandEntries(1, 3, 1) });
      expect(() => storage.persist({ ...noUpdate, entries: [commandEntry(5, 1)] })).toThrow(AssertionError);
      expect(() => storage.entries(2, 5, 1024)).toThrow(AssertionError);
      expect(() => storage.compact(4)).toThrow(AssertionError);
      storage.compact(2);
      expect(() => storage.entries(2, 3, 1024)).toThrow(AssertionError);
      expect(() => storage.persist({ ...noUpdate, entries: [commandEntry(2, 1)] })).toThrow(AssertionError);
      expect(storage.entries(3, 4, 1024)).toEqual([commandEntry(3, 1)]);
      // Last, because nothing is promised about state after an assertion (the process crashes).
      expect(() =>
        storage.persist({ ...noUpdate, entries: [commandEntry(4, 1), commandEntry(6, 1)] }),
      ).toThrow(AssertionError);
    });

    test('random persists and compactions match the reference model', () => {
      const seed = Number(process.env.RAFTKV_SEED ?? Math.floor(Math.random() * 2 ** 31));
      console.log(`LogStorage contract (${implementation}) random model seed=${seed}`);
      const random = new SeededPrng(seed);
      const model = new LogModel();
      let term = 1;
      for (let step = 0; step < 300; step++) {
        const choice = random.nextInt(100);
        if (choice < 55) {
          if (random.nextInt(10) === 0) term++;
          const last = storage.lastIndex();
          const first = storage.firstIndex();
          const start = random.nextInt(4) === 0 ? first + random.nextInt(last - first + 2) : last + 1;
          const entries = randomEntries(random, start, 1 + random.nextInt(8), term);
          const hardState =
            random.nextInt(2) === 0 ? { term, votedFor: nodeId('n1'), commitIndex: start - 1 } : null;
          apply({ hardState, entries, snapshot: null });
        } else if (choice < 70) {
          apply({
            hardState: { term, votedFor: null, commitIndex: random.nextInt(5) },
            entries: [],
            snapshot: null,
          });
        } else if (choice < 92) {
          const index =
            storage.firstIndex() - 1 + random.nextInt(storage.lastIndex() - storage.firstIndex() + 2);
          storage.compact(index);
          model.compact(index);
        } else {
          term++;
          const index =
            storage.firstIndex() - 1 + random.nextInt(storage.lastIndex() - storage.firstIndex() + 20);
          const snapshot = { index, term, configuration: configurationOf(`n${random.nextInt(9)}`) };
          apply({
            hardState: null,
            entries: randomEntries(random, index + 1, random.nextInt(3), term),
            snapshot,
          });
        }
        if (subject.reopen !== undefined && random.nextInt(25) === 0) storage = subject.reopen();
        expectSameAsModel(storage, model, random);
      }

      function apply(update: Parameters<LogStorage['persist']>[0]): void {
        storage.persist(update);
        model.persist(update);
      }
    });
  });
}

function randomEntries(random: SeededPrng, start: number, count: number, term: number): Entry[] {
  const entries: Entry[] = [];
  for (let index = start; index < start + count; index++) {
    if (random.nextInt(10) === 0) {
      entries.push(configurationEntry(index, term, configurationOf('n1', `n${2 + random.nextInt(5)}`)));
    } else {
      const data = new Uint8Array(random.nextInt(64));
      for (let position = 0; position < data.length; position++) data[position] = random.nextInt(256);
      entries.push(bytesEntry(index, term, data));
    }
  }
  return entries;
}

function expectSameAsModel(storage: LogStorage, model: LogModel, random: SeededPrng): void {
  expect(storage.firstIndex()).toBe(model.firstIndex());
  expect(storage.lastIndex()).toBe(model.lastIndex());
  expect(storage.initialState()).toEqual({
    hardState: model.hardState,
    snapshot: model.compaction.index === 0 ? null : model.compaction,
  });
  for (let index = model.firstIndex() - 2; index <= model.lastIndex() + 1; index++) {
    expect(storage.term(index), `term(${index})`).toBe(model.term(index));
  }
  expect(storage.entries(model.firstIndex(), model.lastIndex() + 1, Number.MAX_SAFE_INTEGER)).toEqual(
    model.entries,
  );
  const span = model.lastIndex() - model.firstIndex() + 1;
  if (span > 0) {
    const low = model.firstIndex() + random.nextInt(span);
    const high = low + 1 + random.nextInt(model.lastIndex() - low + 1);
    const limited = storage.entries(low, high, random.nextInt(300));
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(limited).toEqual(
      model.entries.slice(low - model.firstIndex(), low - model.firstIndex() + limited.length),
    );
  }
}
