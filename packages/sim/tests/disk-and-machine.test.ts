// Unit tests of the simulated disk (the write-ahead log on a simulated file system: a crash
// mid-persist loses exactly that write, a power loss only what was unsynced, a bit flip is refused),
// the simulated KV store (deferred durability: checkpoints by ticks, bytes, compaction, snapshot and
// restore; a crash reverts to the last one) and the KV state machine the simulator runs over it.
import { encodeCommand } from '@raftkv/kv';
import { type Entry, nodeId, SeededPrng } from '@raftkv/raft';
import { StorageCorruptionError } from '@raftkv/wal';
import { describe, expect, it } from 'vitest';
import { type KvMachineObserver, SimulatedKvMachine } from '../src/internal/kv-machine.js';
import { SimulatedCrash } from '../src/internal/simulated-crash.js';
import { type PersistCrash, SimulatedDisk } from '../src/internal/simulated-disk.js';
import { SimulatedKvStore } from '../src/internal/simulated-kv-store.js';

const n1 = nodeId('n1');
const entry = (index: number, term: number, value: string): Entry => ({
  index,
  term,
  kind: 'command',
  data: encodeCommand({
    operation: { type: 'put', key: new TextEncoder().encode('k'), value: new TextEncoder().encode(value) },
  }),
});

/** A disk on a fresh simulated file system whose faults the test sets. */
function freshDisk(
  next: { persist: PersistCrash; powerLossInSync: boolean },
  beforeDiscarding?: () => void,
): SimulatedDisk {
  const disk = new SimulatedDisk(
    n1,
    '/n1/wal',
    256,
    {
      decidePersistCrash: () => next.persist,
      decidePowerLossInSync: () => next.powerLossInSync,
    },
    beforeDiscarding,
  );
  expect(disk.open()).toEqual({ ok: true, tornTail: false });
  disk.markRunning();
  return disk;
}

describe('SimulatedDisk (the write-ahead log on a simulated file system)', () => {
  it('a crash before the write loses that write and keeps everything before it', () => {
    const next = { persist: 'none' as PersistCrash, powerLossInSync: false };
    const disk = freshDisk(next);
    disk.persist({
      hardState: { term: 1, votedFor: null, commitIndex: 0 },
      entries: [entry(1, 1, 'a')],
      snapshot: null,
    });
    next.persist = 'before-write';
    expect(() =>
      disk.persist({
        hardState: { term: 2, votedFor: n1, commitIndex: 1 },
        entries: [entry(2, 2, 'b')],
        snapshot: null,
      }),
    ).toThrow(SimulatedCrash);
    disk.crash();
    expect(disk.open().ok).toBe(true);
    expect(disk.lastIndex()).toBe(1);
    expect(disk.initialState().hardState).toEqual({ term: 1, votedFor: null, commitIndex: 0 });
  });

  it('a crash after the write keeps the write durable, also across a power loss', () => {
    const disk = freshDisk({ persist: 'after-write', powerLossInSync: false });
    expect(() =>
      disk.persist({
        hardState: { term: 2, votedFor: n1, commitIndex: 0 },
        entries: [entry(1, 2, 'a')],
        snapshot: null,
      }),
    ).toThrow(/after the write was durable/);
    disk.losePower(new SeededPrng(1));
    expect(disk.open().ok).toBe(true);
    expect(disk.initialState().hardState.votedFor).toBe(n1);
    expect(disk.durableEntries().map((e) => e.index)).toEqual([1]);
  });

  it('a power loss cut into the fdatasync loses the unsynced append (for some seeds only its torn prefix stays), never the synced state', () => {
    const tornSeeds: number[] = [];
    for (let seed = 1; seed <= 40; seed += 1) {
      const next = { persist: 'none' as PersistCrash, powerLossInSync: false };
      const disk = freshDisk(next);
      disk.persist({
        hardState: { term: 1, votedFor: null, commitIndex: 0 },
        entries: [entry(1, 1, 'a')],
        snapshot: null,
      });
      next.powerLossInSync = true;
      const cut = (() => {
        try {
          disk.persist({
            hardState: { term: 2, votedFor: n1, commitIndex: 1 },
            entries: [entry(2, 2, 'b')],
            snapshot: null,
          });
        } catch (error) {
          return error;
        }
        return null;
      })();
      expect(cut, `seed ${seed}`).toBeInstanceOf(SimulatedCrash);
      expect((cut as SimulatedCrash).powerLoss, `seed ${seed}`).toBe(true);
      const report = disk.losePower(new SeededPrng(seed));
      if (report.tornWrites > 0) tornSeeds.push(seed);
      const outcome = disk.open();
      expect(outcome.ok, `seed ${seed}`).toBe(true);
      // The synced state is always there; the unsynced append may or may not be.
      expect(disk.lastIndex(), `seed ${seed}`).toBeGreaterThanOrEqual(1);
      expect(disk.term(1), `seed ${seed}`).toBe(1);
      expect(disk.initialState().hardState.term, `seed ${seed}`).toBeGreaterThanOrEqual(1);
    }
    expect(tornSeeds.length, 'some power losses tear the append').toBeGreaterThan(0);
  });

  it('a bit flip in the synced log makes the open refuse with StorageCorruptionError; the disk reports it', () => {
    let refusedSeed: number | null = null;
    for (let seed = 1; seed <= 40 && refusedSeed === null; seed += 1) {
      const disk = freshDisk({ persist: 'none', powerLossInSync: false });
      for (let index = 1; index <= 5; index += 1) {
        disk.persist({
          hardState: { term: 1, votedFor: n1, commitIndex: index - 1 },
          entries: [entry(index, 1, `v${index}`)],
          snapshot: null,
        });
      }
      disk.crash();
      expect(disk.flipBit(new SeededPrng(seed))).toBe(true);
      expect(disk.bitFlips).toBe(1);
      const outcome = disk.open();
      if (outcome.ok) {
        // Only a flip in a file the open discards (a superseded segment) may leave the log readable.
        expect(disk.lastIndex(), `seed ${seed}`).toBe(5);
        continue;
      }
      expect(outcome.error).toBeInstanceOf(StorageCorruptionError);
      expect(disk.refused).toBe(true);
      expect(disk.durableEntries()).toEqual([]);
      refusedSeed = seed;
    }
    expect(refusedSeed, 'some flip is refused').not.toBeNull();
  });
});

const quietObserver: KvMachineObserver = { onApplied: () => {}, onRestored: () => {} };
const noCommitByTime = { everyTicks: null, afterBytes: null };
const configuration = { members: [{ id: n1, role: 'voter' as const, address: 'sim://n1' }] };
const configurationEntry: Entry = { index: 1, term: 1, kind: 'configuration', configuration };
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const valueAt = (machine: SimulatedKvMachine, key: string): string | undefined => {
  const read = machine.query({ type: 'get', key: utf8(key) });
  return read.ok && read.result.type === 'get' && read.result.keyValue !== null
    ? new TextDecoder().decode(read.result.keyValue.value)
    : undefined;
};

describe('SimulatedKvStore', () => {
  const metadata = (appliedIndex: number) => ({ appliedIndex, appliedTerm: 1, configuration: null });
  const put = (store: SimulatedKvStore, index: number, key: string, value: string) =>
    store.write(metadata(index), (writer) => writer.put(utf8(key), utf8(value)));

  it('shows a write at once, and a crash reverts to the last checkpoint, metadata included', () => {
    const store = new SimulatedKvStore(n1, noCommitByTime, () => false);
    put(store, 1, 'a', '1');
    store.checkpoint();
    put(store, 2, 'b', '2');
    expect(store.get(utf8('b'))).toEqual(utf8('2'));
    expect(store.metadata().appliedIndex).toBe(2);
    expect(store.hasPendingWrites).toBe(true);
    store.crash();
    expect(store.get(utf8('a'))).toEqual(utf8('1'));
    expect(store.get(utf8('b'))).toBeUndefined();
    expect(store.metadata().appliedIndex).toBe(1);
    expect(store.hasPendingWrites).toBe(false);
  });

  it("makes writes durable after the policy's ticks or bytes", () => {
    const byTicks = new SimulatedKvStore(n1, { everyTicks: 3, afterBytes: null }, () => false);
    put(byTicks, 1, 'a', '1');
    byTicks.onTick();
    byTicks.onTick();
    expect(byTicks.hasPendingWrites).toBe(true);
    byTicks.onTick();
    expect(byTicks.hasPendingWrites).toBe(false);
    byTicks.crash();
    expect(byTicks.metadata().appliedIndex).toBe(1);

    const byBytes = new SimulatedKvStore(n1, { everyTicks: null, afterBytes: 10 }, () => false);
    put(byBytes, 1, 'a', '1234');
    expect(byBytes.hasPendingWrites).toBe(true);
    put(byBytes, 2, 'b', '1234');
    expect(byBytes.hasPendingWrites).toBe(false);
    expect(byBytes.checkpoints).toBe(1);
  });

  it('makes a restore durable together with everything before it, and a snapshot view checkpoints', () => {
    const store = new SimulatedKvStore(n1, noCommitByTime, () => false);
    put(store, 1, 'a', '1');
    store.replaceAll([[utf8('z'), utf8('9')]], metadata(5));
    store.crash();
    expect(store.metadata().appliedIndex).toBe(5);
    expect(store.get(utf8('z'))).toEqual(utf8('9'));
    put(store, 6, 'b', '2');
    store.openSnapshotView().close();
    store.crash();
    expect(store.metadata().appliedIndex).toBe(6);
  });

  it('a crash in a write commits nothing of it', () => {
    let crash = false;
    const store = new SimulatedKvStore(n1, noCommitByTime, () => crash);
    put(store, 1, 'a', '1');
    crash = true;
    expect(() => put(store, 2, 'b', '2')).toThrow(/n1 crashed in apply, before the KV store write committed/);
    expect(store.get(utf8('b'))).toBeUndefined();
    expect(store.metadata().appliedIndex).toBe(1);
  });

  it("the write-ahead log's beforeDiscarding checkpoints the store before compaction discards entries", () => {
    const store = new SimulatedKvStore(n1, noCommitByTime, () => false);
    const disk = freshDisk({ persist: 'none', powerLossInSync: false }, () => store.checkpoint());
    disk.persist({
      hardState: { term: 1, votedFor: null, commitIndex: 2 },
      entries: [entry(1, 1, 'a'), entry(2, 1, 'b')],
      snapshot: null,
    });
    put(store, 2, 'a', '1');
    expect(store.hasPendingWrites).toBe(true);
    disk.compact(1);
    expect(store.hasPendingWrites).toBe(false);
    expect(disk.durableEntries().map((e) => e.index)).toEqual([2]);
  });
});

describe('SimulatedKvMachine', () => {
  it('runs KvStateMachine; a new machine after a crash resumes from the last checkpoint', () => {
    const store = new SimulatedKvStore(n1, noCommitByTime, () => false);
    const applied: string[] = [];
    const observer: KvMachineObserver = {
      onApplied: (_id, previous, entries) =>
        applied.push(`${previous}:${entries.map((e) => e.index).join(',')}`),
      onRestored: () => {},
    };
    const machine = new SimulatedKvMachine(n1, store, observer);
    const results = machine.apply([
      configurationEntry,
      entry(2, 1, 'a'),
      { index: 3, term: 1, kind: 'command', data: new Uint8Array() },
    ]);
    expect(results).toEqual([
      undefined,
      { ok: true, revision: 1, result: { type: 'put', previous: null } },
      undefined,
    ]);
    store.checkpoint();
    machine.apply([entry(4, 1, 'b')]);
    expect(valueAt(machine, 'k')).toBe('b');
    store.crash();
    const restarted = new SimulatedKvMachine(n1, store, observer);
    expect(restarted.appliedIndex()).toBe(3);
    expect(valueAt(restarted, 'k')).toBe('a');
    const [again] = restarted.apply([entry(4, 1, 'b')]);
    expect(again).toEqual({ ok: true, revision: 2, result: { type: 'put', previous: null } });
    expect(applied).toEqual(['0:1,2,3', '3:4', '3:4']);
  });

  it('restores from a snapshot read in small chunks and reports the restored values', () => {
    const source = new SimulatedKvMachine(
      n1,
      new SimulatedKvStore(n1, noCommitByTime, () => false),
      quietObserver,
    );
    source.apply([configurationEntry]);
    source.apply(Array.from({ length: 20 }, (_, i) => entry(i + 2, 2, `value-${i}`)));
    const reader = source.openSnapshot();
    const chunks: Uint8Array[] = [];
    for (let offset = 0; ; ) {
      const chunk = reader.readChunk(offset, 7);
      if (chunk.length === 0) break;
      chunks.push(chunk);
      offset += chunk.length;
    }
    reader.close();
    expect(chunks.length).toBeGreaterThan(10);
    const restored: string[] = [];
    const targetStore = new SimulatedKvStore(nodeId('n2'), noCommitByTime, () => false);
    const target = new SimulatedKvMachine(nodeId('n2'), targetStore, {
      onApplied: () => {},
      onRestored: (_id, metadata, values) => restored.push(`${metadata.index}:${values.get('k')}`),
    });
    target.restore({ metadata: reader.metadata, chunks });
    expect(reader.metadata).toMatchObject({ index: 21, term: 2, configuration });
    expect(target.appliedIndex()).toBe(21);
    expect(valueAt(target, 'k')).toBe('value-19');
    expect(restored).toEqual(['21:value-19']);
    targetStore.crash();
    expect(targetStore.metadata().appliedIndex).toBe(21);
  });
});
