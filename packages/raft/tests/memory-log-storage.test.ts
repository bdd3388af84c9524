// Tests for the in-memory LogStorage double and bootstrapState: persist() order and overwrite rules,
// compaction keeping the compaction point's term and configuration, byte-bounded reads.
import { describe, expect, it } from 'vitest';
import {
  bootstrapState,
  type Configuration,
  InvalidConfigurationError,
  MemoryLogStorage,
  nodeId,
} from '../src/index.js';
import { commands } from './harness.js';

const configuration: Configuration = {
  members: [
    { id: nodeId('n1'), role: 'voter', address: 'a1' },
    { id: nodeId('n2'), role: 'learner', address: 'a2' },
  ],
};

describe('bootstrapState', () => {
  it('gives every initial member the same term-1 state with the configuration as entry 1', () => {
    expect(bootstrapState(configuration)).toEqual({
      hardState: { term: 1, votedFor: null, commitIndex: 0 },
      entries: [{ index: 1, term: 1, kind: 'configuration', configuration }],
    });
  });

  it('refuses duplicate ids, empty ids and a configuration without a voter with a typed error', () => {
    const cases: [Configuration, string][] = [
      [{ members: [configuration.members[0]!, configuration.members[0]!] }, 'duplicate-member'],
      [{ members: [{ id: nodeId(''), role: 'voter', address: '' }] }, 'empty-member-id'],
      [{ members: [configuration.members[1]!] }, 'no-voter'],
    ];
    for (const [invalid, reason] of cases) {
      try {
        bootstrapState(invalid);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidConfigurationError);
        expect((error as InvalidConfigurationError).reason).toBe(reason);
      }
    }
  });
});

describe('MemoryLogStorage (test double)', () => {
  it('starts empty: firstIndex 1, lastIndex 0, term(0) = 0, no snapshot', () => {
    const storage = new MemoryLogStorage();
    expect([storage.firstIndex(), storage.lastIndex(), storage.term(0), storage.term(1)]).toEqual([
      1,
      0,
      0,
      undefined,
    ]);
    expect(storage.initialState()).toEqual({
      hardState: { term: 0, votedFor: null, commitIndex: 0 },
      snapshot: null,
    });
  });

  it('persist overwrites the suffix from the first new entry, then stores hard state', () => {
    const storage = new MemoryLogStorage(bootstrapState(configuration));
    storage.persist({ hardState: null, entries: commands(2, [1, 1, 1]), snapshot: null });
    storage.persist({
      hardState: { term: 3, votedFor: nodeId('n1'), commitIndex: 2 },
      entries: commands(3, [3]),
      snapshot: null,
    });
    expect(storage.lastIndex()).toBe(3);
    expect([storage.term(2), storage.term(3), storage.term(4)]).toEqual([1, 3, undefined]);
    expect(storage.initialState().hardState).toEqual({ term: 3, votedFor: 'n1', commitIndex: 2 });
  });

  it('a persisted snapshot replaces the whole log before entries are appended after it', () => {
    const storage = new MemoryLogStorage(bootstrapState(configuration));
    storage.persist({ hardState: null, entries: commands(2, [1, 1]), snapshot: null });
    storage.persist({
      hardState: null,
      entries: commands(11, [4]),
      snapshot: { index: 10, term: 4, configuration },
    });
    expect([storage.firstIndex(), storage.lastIndex(), storage.term(10), storage.term(11)]).toEqual([
      11, 11, 4, 4,
    ]);
    expect(storage.initialState().snapshot).toEqual({ index: 10, term: 4, configuration });
  });

  it('compact keeps the term and the latest configuration of the compaction point', () => {
    const storage = new MemoryLogStorage(bootstrapState(configuration));
    storage.persist({ hardState: null, entries: commands(2, [1, 2, 2]), snapshot: null });
    storage.compact(3);
    expect([storage.firstIndex(), storage.lastIndex(), storage.term(3), storage.term(2)]).toEqual([
      4,
      4,
      2,
      undefined,
    ]);
    expect(storage.initialState().snapshot).toEqual({ index: 3, term: 2, configuration });
    storage.compact(2);
    expect(storage.firstIndex()).toBe(4);
  });

  it('entries() returns at least one entry and stops before maxBytes would be exceeded', () => {
    const storage = new MemoryLogStorage(bootstrapState(configuration));
    storage.persist({ hardState: null, entries: commands(2, [1, 1, 1, 1]), snapshot: null });
    expect(storage.entries(2, 6, 1).map((entry) => entry.index)).toEqual([2]);
    expect(storage.entries(2, 6, 60).map((entry) => entry.index)).toEqual([2, 3]);
    expect(storage.entries(2, 6, 1e9).map((entry) => entry.index)).toEqual([2, 3, 4, 5]);
  });
});
