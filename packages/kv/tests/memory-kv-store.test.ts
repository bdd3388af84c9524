// Tests of the in-memory KvStore double: byte order, all-or-nothing writes, staged reads,
// consistent snapshot views and atomic replaceAll.
import { AssertionError } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import { MemoryKvStore, type StoreMetadata } from '../src/index.js';

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (value: string) => new TextEncoder().encode(value);
const metadataAt = (appliedIndex: number): StoreMetadata => ({
  appliedIndex,
  appliedTerm: 1,
  configuration: null,
});
const keysOf = (pairs: Array<[Uint8Array, Uint8Array]>) => pairs.map(([key]) => Array.from(key));

describe('MemoryKvStore', () => {
  it('starts empty at applied index 0', () => {
    const store = new MemoryKvStore();
    expect(store.metadata()).toEqual({ appliedIndex: 0, appliedTerm: 0, configuration: null });
    expect(store.range(bytes(), null, 10)).toEqual([]);
  });

  it('orders keys as unsigned bytes, shorter prefix first', () => {
    const store = new MemoryKvStore();
    store.write(metadataAt(1), (writer) => {
      for (const key of [bytes(0xff), bytes(0x80), bytes(0x01, 0x00), bytes(0x01), bytes(0x7f)])
        writer.put(key, bytes(1));
    });
    expect(keysOf(store.range(bytes(), null, 100))).toEqual([[0x01], [0x01, 0x00], [0x7f], [0x80], [0xff]]);
  });

  it('range honours start inclusive, end exclusive and limit', () => {
    const store = new MemoryKvStore();
    store.write(metadataAt(1), (writer) => {
      for (let key = 0; key < 10; key++) writer.put(bytes(key), bytes(key));
    });
    expect(keysOf(store.range(bytes(3), bytes(6), 100))).toEqual([[3], [4], [5]]);
    expect(keysOf(store.range(bytes(3), null, 2))).toEqual([[3], [4]]);
    expect(store.range(bytes(3), bytes(6), 0)).toEqual([]);
  });

  it('commits writes together with the metadata', () => {
    const store = new MemoryKvStore();
    const result = store.write(metadataAt(7), (writer) => {
      writer.put(text('a'), text('1'));
      return 'done';
    });
    expect(result).toBe('done');
    expect(store.get(text('a'))).toEqual(text('1'));
    expect(store.metadata().appliedIndex).toBe(7);
  });

  it('a write whose body throws leaves neither data nor metadata behind', () => {
    const store = new MemoryKvStore();
    store.write(metadataAt(1), (writer) => writer.put(text('a'), text('1')));
    expect(() =>
      store.write(metadataAt(2), (writer) => {
        writer.put(text('a'), text('2'));
        writer.put(text('b'), text('2'));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.get(text('a'))).toEqual(text('1'));
    expect(store.get(text('b'))).toBeUndefined();
    expect(store.metadata().appliedIndex).toBe(1);
  });

  it('reads inside a transaction see its own puts and deletes, merged in order', () => {
    const store = new MemoryKvStore();
    store.write(metadataAt(1), (writer) => {
      for (const key of [1, 3, 5]) writer.put(bytes(key), bytes(key));
    });
    store.write(metadataAt(2), (writer) => {
      writer.put(bytes(2), bytes(20));
      writer.delete(bytes(3));
      writer.put(bytes(5), bytes(50));
      expect(writer.get(bytes(3))).toBeUndefined();
      expect(writer.get(bytes(5))).toEqual(bytes(50));
      expect(writer.range(bytes(), null, 10)).toEqual([
        [bytes(1), bytes(1)],
        [bytes(2), bytes(20)],
        [bytes(5), bytes(50)],
      ]);
      expect(keysOf(writer.range(bytes(), null, 2))).toEqual([[1], [2]]);
      // Not visible outside the transaction until it commits.
      expect(store.get(bytes(2))).toBeUndefined();
    });
    expect(keysOf(store.range(bytes(), null, 10))).toEqual([[1], [2], [5]]);
  });

  it('copies byte arrays on the way in', () => {
    const store = new MemoryKvStore();
    const key = text('k');
    const value = text('v');
    store.write(metadataAt(1), (writer) => writer.put(key, value));
    key[0] = 0;
    value[0] = 0;
    expect(store.get(text('k'))).toEqual(text('v'));
  });

  it('a snapshot view is unaffected by later writes and replaceAll', () => {
    const store = new MemoryKvStore();
    store.write(metadataAt(1), (writer) => writer.put(text('a'), text('1')));
    const view = store.openSnapshotView();
    store.write(metadataAt(2), (writer) => {
      writer.put(text('a'), text('2'));
      writer.put(text('b'), text('2'));
    });
    store.replaceAll([[text('z'), text('9')]], metadataAt(3));
    expect(view.metadata.appliedIndex).toBe(1);
    expect([...view.entries()]).toEqual([[text('a'), text('1')]]);
    view.close();
    expect(() => [...view.entries()]).toThrow(AssertionError);
  });

  it('replaceAll swaps every pair and the metadata, and refuses duplicate keys without changing anything', () => {
    const store = new MemoryKvStore();
    store.write(metadataAt(1), (writer) => writer.put(text('old'), text('x')));
    store.replaceAll(
      [
        [text('b'), text('2')],
        [text('a'), text('1')],
      ],
      metadataAt(5),
    );
    expect(store.range(new Uint8Array(), null, 10)).toEqual([
      [text('a'), text('1')],
      [text('b'), text('2')],
    ]);
    expect(store.metadata().appliedIndex).toBe(5);
    expect(() =>
      store.replaceAll(
        [
          [text('c'), text('1')],
          [text('c'), text('2')],
        ],
        metadataAt(6),
      ),
    ).toThrow(AssertionError);
    expect(store.metadata().appliedIndex).toBe(5);
    expect(store.get(text('c'))).toBeUndefined();
  });

  it('refuses nested writes, writers used after commit, and use after close', () => {
    const store = new MemoryKvStore();
    expect(() => store.write(metadataAt(1), () => store.write(metadataAt(1), () => undefined))).toThrow(
      AssertionError,
    );
    let escaped: { put(key: Uint8Array, value: Uint8Array): void } | undefined;
    store.write(metadataAt(1), (writer) => {
      escaped = writer;
    });
    expect(() => escaped!.put(text('a'), text('1'))).toThrow(AssertionError);
    store.close();
    expect(() => store.get(text('a'))).toThrow(AssertionError);
  });

  it('small writes into a large store (spliced in place) keep order and leave open views intact', () => {
    const store = new MemoryKvStore();
    store.write(metadataAt(1), (writer) => {
      for (let key = 0; key < 1000; key += 2) writer.put(bytes(key >> 8, key & 0xff), bytes(1));
    });
    const view = store.openSnapshotView();
    store.write(metadataAt(2), (writer) => {
      writer.put(bytes(0, 3), bytes(2));
      writer.delete(bytes(0, 4));
      writer.put(bytes(0, 6), bytes(3));
    });
    expect(keysOf(store.range(bytes(0, 2), bytes(0, 8), 10))).toEqual([
      [0, 2],
      [0, 3],
      [0, 6],
    ]);
    expect(store.get(bytes(0, 6))).toEqual(bytes(3));
    expect([...view.entries()].length).toBe(500);
    expect([...view.entries()].find(([key]) => key[0] === 0 && key[1] === 6)?.[1]).toEqual(bytes(1));
  });
});
