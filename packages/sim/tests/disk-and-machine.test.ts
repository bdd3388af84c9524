// Unit tests of the simulated disk (the write-ahead log on a simulated file system: a crash
// mid-persist loses exactly that write, a power loss only what was unsynced, a bit flip is refused)
// and of the register state machine (commands, snapshots in chunks, crash before apply leaves it
// unchanged).
import { type Entry, nodeId, SeededPrng } from '@raftkv/raft';
import { StorageCorruptionError } from '@raftkv/wal';
import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand } from '../src/internal/register-commands.js';
import { RegisterMachine, type RegisterMachineObserver } from '../src/internal/register-machine.js';
import { SimulatedCrash } from '../src/internal/simulated-crash.js';
import { type PersistCrash, SimulatedDisk } from '../src/internal/simulated-disk.js';

const n1 = nodeId('n1');
const entry = (index: number, term: number, value: string): Entry => ({
  index,
  term,
  kind: 'command',
  data: encodeCommand({ operation: 'append', key: 'k', value }),
});

/** A disk on a fresh simulated file system whose faults the test sets. */
function freshDisk(next: { persist: PersistCrash; powerLossInSync: boolean }): SimulatedDisk {
  const disk = new SimulatedDisk(n1, '/n1/wal', 256, {
    decidePersistCrash: () => next.persist,
    decidePowerLossInSync: () => next.powerLossInSync,
  });
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

const quietObserver: RegisterMachineObserver = { onApplied: () => {}, onRestored: () => {} };

describe('RegisterMachine', () => {
  it('appends and puts, returning each register value, and records the applied index', () => {
    const machine = new RegisterMachine(n1, () => false, quietObserver);
    const results = machine.apply([
      entry(1, 1, 'a'),
      entry(2, 1, 'b'),
      { index: 3, term: 1, kind: 'command', data: new Uint8Array() },
      { index: 4, term: 2, kind: 'command', data: encodeCommand({ operation: 'put', key: 'k', value: 'z' }) },
    ]);
    expect(results).toEqual(['a', 'a,b', undefined, 'z']);
    expect(machine.appliedIndex()).toBe(4);
    expect(machine.query({ key: 'k' })).toBe('z');
    expect(machine.query({ key: 'absent' })).toBeUndefined();
  });

  it('a crash before apply changes nothing', () => {
    let crash = false;
    const machine = new RegisterMachine(n1, () => crash, quietObserver);
    machine.apply([entry(1, 1, 'a')]);
    crash = true;
    expect(() => machine.apply([entry(2, 1, 'b')])).toThrow(SimulatedCrash);
    expect(machine.appliedIndex()).toBe(1);
    expect(machine.query({ key: 'k' })).toBe('a');
  });

  it('restores from a snapshot read in small chunks', () => {
    const source = new RegisterMachine(n1, () => false, quietObserver);
    const configuration = { members: [{ id: n1, role: 'voter' as const, address: 'sim://n1' }] };
    source.apply([{ index: 1, term: 1, kind: 'configuration', configuration }]);
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
    const target = new RegisterMachine(nodeId('n2'), () => false, {
      onApplied: () => {},
      onRestored: (_id, metadata, registers) =>
        restored.push(`${metadata.index}:${registers?.get('k')?.length}`),
    });
    target.restore({ metadata: reader.metadata, chunks });
    expect(reader.metadata).toMatchObject({ index: 21, term: 2, configuration });
    expect(target.appliedIndex()).toBe(21);
    expect(target.query({ key: 'k' })).toBe(source.query({ key: 'k' }));
    expect(target.openSnapshot().metadata.configuration).toEqual(configuration);
    expect(restored).toEqual([`21:${source.query({ key: 'k' })!.length}`]);
  });

  it('reports undecodable snapshot bytes instead of throwing', () => {
    const seen: Array<unknown> = [];
    const machine = new RegisterMachine(n1, () => false, {
      onApplied: () => {},
      onRestored: (_i, _m, r) => seen.push(r),
    });
    machine.restore({
      metadata: { index: 3, term: 1, configuration: { members: [] } },
      chunks: [new Uint8Array([1, 2])],
    });
    expect(seen).toEqual([null]);
  });

  it('decodes only well-formed commands', () => {
    expect(decodeCommand(encodeCommand({ operation: 'put', key: 'a', value: 'b' }))).toEqual({
      operation: 'put',
      key: 'a',
      value: 'b',
    });
    expect(decodeCommand(new Uint8Array())).toBeNull();
    expect(decodeCommand(new TextEncoder().encode('delete\nk\nv'))).toBeNull();
  });
});
