// Snapshots of the KV state machine (paper §7): identical bytes on every replica, restore that
// reproduces revisions and sessions, chunked reads from any offset, and refusal of corrupt streams.
import { AssertionError } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../src/internal/bytes.js';
import { kvPackr } from '../src/internal/packr.js';
import { Harness, okResult, session, text } from './harness.js';

/** The same commands; `batchSize` only changes how they are cut into apply batches. */
function buildReplica(batchSize: number): Harness {
  const harness = new Harness();
  const entries = [];
  for (let n = 0; n < 300; n++) {
    entries.push(
      harness.commandEntry(
        { type: 'put', key: text(`key/${n % 120}`), value: text(`value ${n}`.repeat(1 + (n % 50))) },
        n % 3 === 0 ? session(`client-${n % 7}`, 1 + Math.floor(n / 7)) : undefined,
      ),
    );
    if (n % 10 === 0) entries.push(harness.commandEntry({ type: 'delete', key: text(`key/${n % 40}`) }));
  }
  for (let start = 0; start < entries.length; start += batchSize) {
    harness.applyEntries(entries.slice(start, start + batchSize));
  }
  return harness;
}

describe('snapshots', () => {
  it('two replicas built by the same log produce byte-identical snapshot chunks', () => {
    const replicaA = buildReplica(1);
    const replicaB = buildReplica(64);
    const snapshotA = replicaA.snapshot(1000);
    const snapshotB = replicaB.snapshot(1000);
    expect(snapshotA.metadata).toEqual(snapshotB.metadata);
    expect(snapshotA.chunks.length).toBeGreaterThan(5);
    expect(snapshotB.chunks).toEqual(snapshotA.chunks);
  });

  it('restore reproduces every pair, the revision, the applied position and the configuration', () => {
    const source = buildReplica(16);
    const target = new Harness();
    target.run({ type: 'put', key: text('only-on-target'), value: text('x') });
    target.restore(source.snapshot(333));
    expect(target.dump()).toEqual(source.dump());
    expect(target.store.metadata()).toEqual(source.store.metadata());
    expect(target.machine.currentRevision()).toBe(source.machine.currentRevision());
    expect(okResult(target.run({ type: 'get', key: text('only-on-target') }))).toEqual({
      type: 'get',
      keyValue: null,
    });
    // The next command continues the restored revision sequence on both.
    const next = { type: 'put', key: text('key/1'), value: text('after') } as const;
    expect(target.run(next)).toEqual(source.run(next));
  });

  it('readChunk returns the same bytes from any offset, in any order, including re-reads', () => {
    const replica = buildReplica(32);
    const whole = concatBytes(...replica.snapshot(1 << 20).chunks);
    const reader = replica.machine.openSnapshot();
    const offsets = [0, 17, 5000, 3, whole.length - 10, 70_000, 5000, 0, whole.length - 1];
    for (const offset of offsets) {
      expect(reader.readChunk(offset, 777)).toEqual(
        whole.subarray(offset, Math.min(offset + 777, whole.length)),
      );
    }
    expect(reader.readChunk(whole.length, 100)).toEqual(new Uint8Array(0));
    reader.close();
  });

  it('a snapshot view is unaffected by entries applied after it was opened', () => {
    const replica = buildReplica(32);
    const before = concatBytes(...replica.snapshot(4096).chunks);
    const reader = replica.machine.openSnapshot();
    replica.run({ type: 'put', key: text('late'), value: text('write') });
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (let chunk = reader.readChunk(0, 4096); chunk.length > 0; chunk = reader.readChunk(offset, 4096)) {
      chunks.push(chunk);
      offset += chunk.length;
    }
    reader.close();
    expect(concatBytes(...chunks)).toEqual(before);
  });

  it('restore refuses a stream whose header does not match the metadata, or that is truncated', () => {
    const snapshot = buildReplica(32).snapshot(4096);
    const target = new Harness();
    expect(() => target.restore({ ...snapshot, metadata: { ...snapshot.metadata, index: 999 } })).toThrow(
      AssertionError,
    );
    expect(() => target.restore({ ...snapshot, chunks: snapshot.chunks.slice(0, -1) })).toThrow(
      AssertionError,
    );
    expect(() => target.restore({ ...snapshot, chunks: [text('garbage')] })).toThrow(AssertionError);
    expect(target.machine.appliedIndex()).toBe(1);
  });

  it('restore refuses a stream whose keys repeat or go out of order (a damaged key), store untouched', () => {
    const snapshot = buildReplica(32).snapshot(1 << 20);
    const records = kvPackr.unpackMultiple(concatBytes(...snapshot.chunks)) as unknown[];
    const batch = records[1] as Uint8Array[];
    const restreamed = (pairs: Uint8Array[]) =>
      concatBytes(...[records[0], pairs, ...records.slice(2)].map((record) => kvPackr.pack(record)));
    const repeated = [...batch];
    repeated[2] = repeated[0]!;
    const swapped = [batch[2]!, batch[3]!, batch[0]!, batch[1]!, ...batch.slice(4)];
    const target = new Harness();
    target.run({ type: 'put', key: text('kept'), value: text('1') });
    const before = target.dump();
    for (const pairs of [repeated, swapped]) {
      expect(() => target.restore({ ...snapshot, chunks: [restreamed(pairs)] })).toThrow(
        /out of order or repeated/,
      );
      expect(target.dump()).toEqual(before);
    }
    // The same stream with the batch untouched restores.
    target.restore({ ...snapshot, chunks: [restreamed(batch)] });
  });
});
