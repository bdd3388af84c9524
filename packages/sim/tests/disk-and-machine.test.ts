// Unit tests of the simulated disk (a crash mid-persist loses exactly that write) and of the
// register state machine (commands, snapshots in chunks, crash before apply leaves it unchanged).
import { type Entry, MemoryLogStorage, nodeId } from '@raftkv/raft';
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

describe('SimulatedDisk', () => {
  it('a crash before the write loses that write and keeps everything before it', () => {
    let next: PersistCrash = 'none';
    const disk = new SimulatedDisk(n1, new MemoryLogStorage(), () => next);
    disk.persist({
      hardState: { term: 1, votedFor: null, commitIndex: 0 },
      entries: [entry(1, 1, 'a')],
      snapshot: null,
    });
    next = 'before-write';
    expect(() =>
      disk.persist({
        hardState: { term: 2, votedFor: n1, commitIndex: 1 },
        entries: [entry(2, 2, 'b')],
        snapshot: null,
      }),
    ).toThrow(SimulatedCrash);
    expect(disk.lastIndex()).toBe(1);
    expect(disk.initialState().hardState).toEqual({ term: 1, votedFor: null, commitIndex: 0 });
    expect(disk.writes).toBe(1);
  });

  it('a crash after the write keeps the write durable', () => {
    const disk = new SimulatedDisk(n1, new MemoryLogStorage(), () => 'after-write');
    expect(() =>
      disk.persist({
        hardState: { term: 2, votedFor: n1, commitIndex: 0 },
        entries: [entry(1, 2, 'a')],
        snapshot: null,
      }),
    ).toThrow(/after the write was durable/);
    expect(disk.initialState().hardState.votedFor).toBe(n1);
    expect(disk.durableEntries().map((e) => e.index)).toEqual([1]);
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
