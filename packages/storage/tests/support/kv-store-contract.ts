// The KvStore contract (packages/kv/src/store-port.ts), written once and run against every
// implementation: MemoryKvStore (the test double) and LmdbKvStore. Behaviour only, no internals.
import type { KvStore, KvStoreWriter, StoreMetadata } from '@raftkv/kv';
import { AssertionError, SeededPrng } from '@raftkv/raft';
import { configurationOf } from '@raftkv/wal/test-support/entries';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

export interface KvStoreSubject {
  readonly store: KvStore;
  /** For durable implementations: close and open again from stable storage. */
  readonly reopen?: () => KvStore;
  /**
   * The store keeps writes in one deferred transaction (the LMDB store): a write whose body throws
   * drops the deferred writes before it too, and the store refuses later writes until reopened.
   */
  readonly defersCommits?: boolean;
  dispose(): void;
}

const utf8 = new TextEncoder();
export const bytes = (text: string): Uint8Array => utf8.encode(text);
const hex = (value: Uint8Array): string => Buffer.from(value).toString('hex');
const applied = (appliedIndex: number, appliedTerm = 1): StoreMetadata => ({
  appliedIndex,
  appliedTerm,
  configuration: null,
});
const pairsAsText = (pairs: Iterable<[Uint8Array, Uint8Array]>) =>
  [...pairs].map(([key, value]) => [hex(key), Buffer.from(value).toString()]);

export function describeKvStoreContract(implementation: string, create: () => KvStoreSubject): void {
  describe(`KvStore contract: ${implementation}`, () => {
    let subject: KvStoreSubject;
    let store: KvStore;

    beforeEach(() => {
      subject = create();
      store = subject.store;
    });
    afterEach(() => subject.dispose());

    test('a new store is empty at applied index 0', () => {
      expect(store.metadata()).toEqual({ appliedIndex: 0, appliedTerm: 0, configuration: null });
      expect(store.get(bytes('a'))).toBeUndefined();
      expect(store.range(bytes('a'), null, 10)).toEqual([]);
    });

    test('write commits the data and the applied metadata together and returns the body result', () => {
      const metadata = { appliedIndex: 7, appliedTerm: 2, configuration: configurationOf('n1', 'n2') };
      const result = store.write(metadata, (writer) => {
        writer.put(bytes('a'), bytes('1'));
        writer.put(bytes('b'), bytes('2'));
        return 'done';
      });
      expect(result).toBe('done');
      expect(store.metadata()).toEqual(metadata);
      expect(Buffer.from(store.get(bytes('a'))!).toString()).toBe('1');
      expect(pairsAsText(store.range(bytes('a'), null, 10))).toEqual([
        [hex(bytes('a')), '1'],
        [hex(bytes('b')), '2'],
      ]);
    });

    test('a write transaction reads its own puts and deletes', () => {
      store.write(applied(1), (writer) => {
        writer.put(bytes('k1'), bytes('old'));
        writer.put(bytes('k2'), bytes('two'));
      });
      store.write(applied(2), (writer) => {
        writer.put(bytes('k1'), bytes('new'));
        writer.delete(bytes('k2'));
        writer.put(bytes('k3'), bytes('three'));
        expect(Buffer.from(writer.get(bytes('k1'))!).toString()).toBe('new');
        expect(writer.get(bytes('k2'))).toBeUndefined();
        expect(pairsAsText(writer.range(bytes('k'), null, 10))).toEqual([
          [hex(bytes('k1')), 'new'],
          [hex(bytes('k3')), 'three'],
        ]);
        // Reads through the store itself see the writes so far; a store whose writes share one
        // deferred transaction sees the write in progress too (the port leaves it to the store).
        expect(Buffer.from(store.get(bytes('k1'))!).toString()).toBe(
          subject.defersCommits === true ? 'new' : 'old',
        );
      });
      expect(Buffer.from(store.get(bytes('k1'))!).toString()).toBe('new');
      expect(store.get(bytes('k2'))).toBeUndefined();
    });

    test('a write whose body throws writes nothing and rethrows the same error', () => {
      store.write(applied(1), (writer) => writer.put(bytes('kept'), bytes('yes')));
      const failure = new Error('apply failed');
      expect(() =>
        store.write(applied(2), (writer) => {
          writer.put(bytes('lost'), bytes('no'));
          writer.delete(bytes('kept'));
          throw failure;
        }),
      ).toThrow(failure);
      if (subject.defersCommits === true) {
        // Write 1 was still deferred: it is dropped with write 2 (a crash-stop may lose a suffix of
        // writes, never part of one), and nothing more is written until the store is reopened.
        expect(() => store.write(applied(3), (writer) => writer.put(bytes('after'), bytes('ok')))).toThrow(
          /restart the node/,
        );
        store = subject.reopen!();
        expect(store.metadata()).toEqual(applied(0, 0));
        expect(store.get(bytes('kept'))).toBeUndefined();
      } else {
        expect(store.metadata()).toEqual(applied(1));
        expect(store.get(bytes('kept'))).toBeDefined();
      }
      expect(store.get(bytes('lost'))).toBeUndefined();
      store.write(applied(3), (writer) => writer.put(bytes('after'), bytes('ok')));
      expect(store.get(bytes('after'))).toBeDefined();
    });

    test('range orders keys as unsigned bytes: start inclusive, end exclusive, bounded by limit', () => {
      const keys = [[0x01], [0x01, 0x00], [0x02], [0x7f], [0x80], [0xff], [0xff, 0xff]].map((key) =>
        Uint8Array.from(key),
      );
      store.write(applied(1), (writer) => {
        for (const key of [...keys].reverse()) writer.put(key, bytes(hex(key)));
      });
      const rangeKeys = (start: number[], end: number[] | null, limit: number) =>
        store
          .range(Uint8Array.from(start), end === null ? null : Uint8Array.from(end), limit)
          .map(([key]) => hex(key));
      expect(rangeKeys([0x01], null, 100)).toEqual(keys.map(hex));
      expect(rangeKeys([0x01, 0x00], [0x80], 100)).toEqual(['0100', '02', '7f']);
      expect(rangeKeys([0x00], [0x7f], 2)).toEqual(['01', '0100']);
      expect(rangeKeys([0x80, 0x00], null, 100)).toEqual(['ff', 'ffff']);
      expect(rangeKeys([0x02], [0x02], 100)).toEqual([]);
      expect(rangeKeys([0x01], null, 0)).toEqual([]);
    });

    test('deleting an absent key is harmless; put and delete of one key apply in order', () => {
      store.write(applied(1), (writer) => {
        writer.delete(bytes('never'));
        writer.put(bytes('x'), bytes('1'));
        writer.delete(bytes('x'));
        writer.delete(bytes('y'));
        writer.put(bytes('y'), bytes('2'));
      });
      expect(store.get(bytes('x'))).toBeUndefined();
      expect(Buffer.from(store.get(bytes('y'))!).toString()).toBe('2');
    });

    test('stored bytes are copies: changing the caller array after put changes nothing', () => {
      const key = bytes('key');
      const value = bytes('value');
      store.write(applied(1), (writer) => writer.put(key, value));
      key[0] = 0;
      value[0] = 0;
      expect(Buffer.from(store.get(bytes('key'))!).toString()).toBe('value');
    });

    test('a snapshot view is a consistent point-in-time copy, ascending, with its metadata', () => {
      store.write(applied(4), (writer) => {
        writer.put(bytes('b'), bytes('2'));
        writer.put(bytes('a'), bytes('1'));
      });
      const view = store.openSnapshotView();
      store.write(applied(5), (writer) => {
        writer.put(bytes('c'), bytes('3'));
        writer.delete(bytes('a'));
      });
      store.replaceAll([[bytes('z'), bytes('26')]], applied(9));
      expect(view.metadata).toEqual(applied(4));
      expect(pairsAsText(view.entries())).toEqual([
        [hex(bytes('a')), '1'],
        [hex(bytes('b')), '2'],
      ]);
      expect(pairsAsText(view.entries())).toHaveLength(2);
      view.close();
      expect(pairsAsText(store.openSnapshotView().entries())).toEqual([[hex(bytes('z')), '26']]);
    });

    test('replaceAll swaps every pair and the metadata atomically, in any input order', () => {
      store.write(applied(3), (writer) => writer.put(bytes('old'), bytes('gone')));
      const metadata = { appliedIndex: 40, appliedTerm: 6, configuration: configurationOf('n1') };
      store.replaceAll(
        [
          [bytes('m'), bytes('13')],
          [bytes('a'), bytes('1')],
          [bytes('z'), bytes('26')],
        ],
        metadata,
      );
      expect(store.metadata()).toEqual(metadata);
      expect(store.get(bytes('old'))).toBeUndefined();
      expect(pairsAsText(store.range(bytes('a'), null, 10)).map(([, value]) => value)).toEqual([
        '1',
        '13',
        '26',
      ]);
    });

    test('misuse is a programmer error (AssertionError): nesting, stale writer, duplicate restore keys', () => {
      expect(() => store.write(applied(1), () => store.write(applied(2), () => 0))).toThrow(AssertionError);
      // A deferring store dropped its deferred transaction with the throw and refuses writes: restart.
      if (subject.defersCommits === true) store = subject.reopen!();
      let escaped: KvStoreWriter | undefined;
      store.write(applied(3), (writer) => {
        escaped = writer;
      });
      expect(() => escaped!.put(bytes('late'), bytes('x'))).toThrow(AssertionError);
      expect(() =>
        store.replaceAll(
          [
            [bytes('dup'), bytes('1')],
            [bytes('dup'), bytes('2')],
          ],
          applied(4),
        ),
      ).toThrow(AssertionError);
      expect(store.metadata()).toEqual(applied(3));
    });

    test('use after close is a programmer error (AssertionError)', () => {
      store.close();
      expect(() => store.get(bytes('a'))).toThrow(AssertionError);
      expect(() => store.write(applied(1), () => 0)).toThrow(AssertionError);
    });

    test('random writes, restores and snapshot views match the reference model', () => {
      const seed = Number(process.env.RAFTKV_SEED ?? Math.floor(Math.random() * 2 ** 31));
      console.log(`KvStore contract (${implementation}) random model seed=${seed}`);
      const random = new SeededPrng(seed);
      let model = new Map<string, Uint8Array>();
      const randomKey = () =>
        Uint8Array.from({ length: 1 + random.nextInt(3) }, () => random.nextInt(4) * 85);
      for (let step = 1; step <= 200; step++) {
        const choice = random.nextInt(100);
        if (choice < 80) {
          const staged = new Map(model);
          store.write(applied(step), (writer) => {
            for (let operation = random.nextInt(6); operation > 0; operation--) {
              const key = randomKey();
              if (random.nextInt(3) === 0) {
                writer.delete(key);
                staged.delete(hex(key));
              } else {
                const value = bytes(`v${step}.${operation}`);
                writer.put(key, value);
                staged.set(hex(key), value);
              }
              const probe = randomKey();
              expect(writer.get(probe)).toEqual(staged.get(hex(probe)));
            }
          });
          model = staged;
        } else if (choice < 85) {
          const pairs: Array<[Uint8Array, Uint8Array]> = [];
          const restored = new Map<string, Uint8Array>();
          for (let count = random.nextInt(8); count > 0; count--) {
            const key = randomKey();
            if (restored.has(hex(key))) continue;
            const value = bytes(`r${step}`);
            pairs.push([key, value]);
            restored.set(hex(key), value);
          }
          store.replaceAll(pairs, applied(step));
          model = restored;
        } else {
          const view = store.openSnapshotView();
          expect(view.metadata.appliedIndex).toBe(store.metadata().appliedIndex);
          const viewPairs = [...view.entries()].map(([key, value]) => [hex(key), value]);
          view.close();
          expect(viewPairs).toEqual(sortedModel(model));
        }
        if (subject.reopen !== undefined && random.nextInt(20) === 0) store = subject.reopen();
        const start = randomKey();
        const expected = sortedModel(model).filter(([key]) => (key as string) >= hex(start));
        const limit = random.nextInt(6);
        expect(store.range(start, null, limit).map(([key, value]) => [hex(key), value])).toEqual(
          expected.slice(0, limit),
        );
        expect(store.range(Uint8Array.of(0), null, 1000).map(([key, value]) => [hex(key), value])).toEqual(
          sortedModel(model),
        );
      }
    });
  });
}

function sortedModel(model: Map<string, Uint8Array>): Array<[string, Uint8Array]> {
  return [...model.entries()].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
}
