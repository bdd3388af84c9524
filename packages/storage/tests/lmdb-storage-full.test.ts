// A full LMDB map: the write is refused with a typed StorageFullError, nothing of it is written,
// everything committed before stays readable, and a reopen with a larger map carries on.
import { afterEach, describe, expect, test } from 'vitest';
import { type LmdbKvStore, StorageFullError, StorageKeyError } from '../src/index.js';
import { bytes } from './support/kv-store-contract.js';
import { ReopenableEnvironment } from './support/lmdb-subjects.js';

const tinyMapSizeBytes = 256 * 1024;
const largerMapSizeBytes = 32 * 1024 * 1024;
let environment: ReopenableEnvironment | undefined;

afterEach(() => {
  environment?.dispose();
  environment = undefined;
});

/** Puts 10 MiB of values, swallowing any error inside the body; returns whether they fitted. */
function swallowingOn(kv: LmdbKvStore): string {
  return kv.write({ appliedIndex: 2, appliedTerm: 1, configuration: null }, (writer) => {
    try {
      for (let key = 0; key < 10_000; key++) writer.put(bytes(`key-${key}`), new Uint8Array(1024));
    } catch {
      return 'swallowed';
    }
    return 'fitted';
  });
}

describe('LMDB storage when the map is full', () => {
  test('a KV write that does not fit throws StorageFullError even if the body swallows it; committed data stays', () => {
    environment = new ReopenableEnvironment('full-kv', tinyMapSizeBytes);
    const kv = environment.current.kv;
    kv.write({ appliedIndex: 1, appliedTerm: 1, configuration: null }, (writer) =>
      writer.put(bytes('kept'), bytes('value')),
    );
    environment.current.commitDeferredWrites();
    expect(() => swallowingOn(kv)).toThrow(StorageFullError);
    // The failed write and the deferred writes with it are dropped; what was committed stays readable,
    // and nothing more is written until a restart (the node crash-stops; its log re-applies).
    expect(kv.get(bytes('key-0'))).toBeUndefined();
    expect(Buffer.from(kv.get(bytes('kept'))!).toString()).toBe('value');
    expect(() =>
      kv.write({ appliedIndex: 3, appliedTerm: 1, configuration: null }, (writer) =>
        writer.put(bytes('small'), bytes('fits')),
      ),
    ).toThrow(/restart the node/);

    // LMDB accepts a larger map on reopen: the write that did not fit now does, nothing was lost.
    const reopened = environment.reopen(largerMapSizeBytes).kv;
    expect(reopened.metadata().appliedIndex).toBe(1);
    expect(Buffer.from(reopened.get(bytes('kept'))!).toString()).toBe('value');
    expect(swallowingOn(reopened)).toBe('fitted');
    expect(reopened.metadata().appliedIndex).toBe(2);
  });

  test('a snapshot restore that does not fit throws StorageFullError and writes nothing; writes go on', () => {
    environment = new ReopenableEnvironment('full-restore', tinyMapSizeBytes);
    const kv = environment.current.kv;
    kv.write({ appliedIndex: 1, appliedTerm: 1, configuration: null }, (writer) =>
      writer.put(bytes('kept'), bytes('value')),
    );
    expect(() =>
      kv.replaceAll(
        Array.from({ length: 10_000 }, (_, key): [Uint8Array, Uint8Array] => [
          bytes(`r-${key}`),
          new Uint8Array(1024),
        ]),
        { appliedIndex: 9, appliedTerm: 2, configuration: null },
      ),
    ).toThrow(StorageFullError);
    // replaceAll runs in a transaction of its own (after committing the deferred writes): its failure
    // leaves the store as it was.
    expect(kv.metadata().appliedIndex).toBe(1);
    expect(kv.range(bytes('a'), null, 10).map(([key]) => Buffer.from(key).toString())).toEqual(['kept']);
    kv.write({ appliedIndex: 3, appliedTerm: 1, configuration: null }, (writer) =>
      writer.put(bytes('small'), bytes('fits')),
    );
    expect(environment.reopen().kv.metadata().appliedIndex).toBe(3);
  });
});

describe('LMDB KV keys', () => {
  test('keys LMDB cannot hold (empty, over 511 bytes) are a typed StorageKeyError on put and absent on read', () => {
    environment = new ReopenableEnvironment('keys');
    const kv = environment.current.kv;
    const longKey = new Uint8Array(512).fill(0x61);
    const metadata = { appliedIndex: 1, appliedTerm: 1, configuration: null };
    expect(() => kv.write(metadata, (writer) => writer.put(longKey, bytes('x')))).toThrow(StorageKeyError);
    // The failed write aborted the deferred transaction (crash-stop, restart): reopen for the next one.
    let kv2 = environment.reopen().kv;
    expect(() => kv2.write(metadata, (writer) => writer.put(new Uint8Array(0), bytes('x')))).toThrow(
      /a key of 0 bytes cannot be stored/,
    );
    kv2 = environment.reopen().kv;
    kv2.write(metadata, (writer) => {
      writer.put(new Uint8Array(511).fill(0x61), bytes('longest'));
      writer.put(bytes('b'), bytes('after'));
      writer.delete(longKey);
    });
    expect(kv2.get(longKey)).toBeUndefined();
    expect(kv2.range(longKey, null, 10).map(([key]) => Buffer.from(key).toString())).toEqual(['b']);
    expect(kv2.range(new Uint8Array(0), null, 10)).toHaveLength(2);
  });
});
