// The backup file format: round trip through real LMDB, a point-in-time view while writes go on, and
// refusal of every truncation and of a flipped bit at every byte.
import { createHash } from 'node:crypto';
import { encodeCommand, KvStateMachine } from '@raftkv/kv';
import { type Configuration, type Entry, nodeId } from '@raftkv/raft';
import { Packr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeSnapshotFile,
  restoreSnapshotFile,
  SnapshotFileError,
  snapshotFileMagic,
  verifySnapshotFile,
} from '../src/index.js';
import { ReopenableEnvironment } from './support/lmdb-subjects.js';

const encoder = new TextEncoder();
const oldCluster: Configuration = {
  members: [{ id: nodeId('n1'), role: 'voter', address: 'tcp://127.0.0.1:1' }],
};
const newCluster: Configuration = {
  members: ['a', 'b', 'c'].map((id) => ({
    id: nodeId(id),
    role: 'voter' as const,
    address: `tcp://${id}:1`,
  })),
};

const environments: ReopenableEnvironment[] = [];
afterEach(() => {
  for (const environment of environments.splice(0)) environment.dispose();
});

function environment(): ReopenableEnvironment {
  const created = new ReopenableEnvironment('snapshot-file');
  environments.push(created);
  return created;
}

function putEntry(index: number, key: string, value: string): Entry {
  const command = {
    operation: { type: 'put' as const, key: encoder.encode(key), value: encoder.encode(value) },
  };
  return { index, term: 2, kind: 'command', data: encodeCommand(command) };
}

/** A state machine over real LMDB with a configuration entry and `keys` puts applied. */
function populated(keys: number): { env: ReopenableEnvironment; machine: KvStateMachine } {
  const env = environment();
  const machine = new KvStateMachine(env.current.kv);
  const entries: Entry[] = [{ index: 1, term: 1, kind: 'configuration', configuration: oldCluster }];
  for (let index = 2; index < keys + 2; index++)
    entries.push(putEntry(index, `key-${index}`, `value-${index}`));
  machine.apply(entries);
  return { env, machine };
}

async function concat(chunks: AsyncIterable<Uint8Array>, first: Uint8Array[] = []): Promise<Uint8Array> {
  const all = [...first];
  for await (const chunk of chunks) all.push(chunk);
  return new Uint8Array(Buffer.concat(all));
}

function refusal(bytes: Uint8Array): SnapshotFileError | null {
  try {
    verifySnapshotFile(bytes);
    return null;
  } catch (error) {
    if (error instanceof SnapshotFileError) return error;
    throw error;
  }
}

/** The file with its body's msgpack records replaced and header and checksum made to match again. */
function resealed(file: Uint8Array, change: (records: unknown[]) => unknown[]): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = view.getUint32(8);
  const header = JSON.parse(new TextDecoder().decode(file.subarray(12, 12 + headerLength)));
  const packr = new Packr({ useRecords: false, mapsAsObjects: true });
  const records = packr.unpackMultiple(file.subarray(12 + headerLength, file.length - 32)) as unknown[];
  const body = Buffer.concat(change(records).map((record) => packr.pack(record)));
  const headerBytes = Buffer.from(JSON.stringify({ ...header, bodyBytes: body.length }));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  const content = Buffer.concat([file.subarray(0, 8), length, headerBytes, body]);
  return new Uint8Array(Buffer.concat([content, createHash('sha256').update(content).digest()]));
}

describe('snapshot file', () => {
  it('round-trips through a new data directory at the same index, revision and keys', async () => {
    const { env, machine } = populated(25);
    const file = await concat(encodeSnapshotFile(env.current.kv.openSnapshotView()));
    expect([...file.subarray(0, 8)]).toEqual([...snapshotFileMagic]);
    const verified = verifySnapshotFile(file);
    expect(verified.header).toMatchObject({
      index: 26,
      term: 2,
      revision: 25,
      keyCount: 25,
      clusterId: null,
    });
    expect(verified.header.revision).toBe(machine.currentRevision());
    expect(verified.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(verified.sizeBytes).toBe(file.length);

    const target = environment();
    restoreSnapshotFile(target.current, verified, newCluster);
    const restored = target.reopen();
    expect(restored.kv.metadata()).toEqual({ appliedIndex: 26, appliedTerm: 2, configuration: newCluster });
    const state = restored.log.initialState();
    expect(state.snapshot).toEqual({ index: 26, term: 2, configuration: newCluster });
    expect(state.hardState).toEqual({ term: 2, votedFor: null, commitIndex: 26 });
    const restoredMachine = new KvStateMachine(restored.kv);
    expect(restoredMachine.currentRevision()).toBe(25);
    const read = restoredMachine.query({ type: 'get', key: encoder.encode('key-7') });
    expect(read).toMatchObject({ ok: true, result: { keyValue: { value: encoder.encode('value-7') } } });
    // The same file gives the same bytes from the restored member: replicas agree byte for byte.
    const again = verifySnapshotFile(await concat(encodeSnapshotFile(restored.kv.openSnapshotView())));
    expect(again.pairs).toEqual(verified.pairs);
  });

  it('holds one point-in-time state while writes go on, also between its pauses', async () => {
    const keys = 5000; // more than one pause's worth of pairs in the counting pass
    const { env, machine } = populated(keys);
    const chunks = encodeSnapshotFile(env.current.kv.openSnapshotView());
    const first = chunks.next(); // runs to its first pause inside the counting pass
    machine.apply([putEntry(keys + 2, 'late-1', 'write')]);
    const prefix = await first;
    machine.apply([putEntry(keys + 3, 'late-2', 'write')]);
    const file = await concat(chunks, [prefix.value as Uint8Array]);
    const verified = verifySnapshotFile(file);
    expect(verified.header).toMatchObject({ index: keys + 1, revision: keys, keyCount: keys });
    expect(env.current.kv.metadata().appliedIndex).toBe(keys + 3);
  });

  it('refuses a file whose checksum matches but whose keys repeat or go out of order', async () => {
    const { env } = populated(12);
    const file = await concat(encodeSnapshotFile(env.current.kv.openSnapshotView()));
    expect(verifySnapshotFile(resealed(file, (records) => records)).header.keyCount).toBe(12);
    const repeated = resealed(file, (records) => {
      const batch = [...(records[1] as Uint8Array[])];
      batch[2] = batch[0]!;
      return [records[0], batch, ...records.slice(2)];
    });
    const error = refusal(repeated);
    expect(error?.reason).toBe('corrupt');
    expect(error?.message).toMatch(/out of order or repeated/);
  });

  it('refuses every truncation, at every length', async () => {
    const { env } = populated(12);
    const file = await concat(encodeSnapshotFile(env.current.kv.openSnapshotView()));
    for (let length = 0; length < file.length; length++) {
      const error = refusal(file.subarray(0, length));
      expect(error, `truncated to ${length} of ${file.length} bytes`).not.toBeNull();
    }
    expect(refusal(Uint8Array.from(Buffer.concat([file, Uint8Array.of(0)])))?.reason).toBe('corrupt');
  });

  it('refuses one flipped bit at every byte', async () => {
    const seed = Number(process.env.SNAPSHOT_FILE_SEED ?? Date.now() % 1_000_000);
    console.log(`snapshot-file bit-flip seed ${seed} (SNAPSHOT_FILE_SEED=${seed} replays it)`);
    const { env } = populated(12);
    const file = await concat(encodeSnapshotFile(env.current.kv.openSnapshotView()));
    let state = seed;
    for (let position = 0; position < file.length; position++) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      const bit = state % 8;
      const damaged = Uint8Array.from(file);
      damaged[position]! ^= 1 << bit;
      expect(refusal(damaged), `bit ${bit} of byte ${position} flipped (seed ${seed})`).not.toBeNull();
    }
  });
});
