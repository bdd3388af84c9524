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
  test('a KV write that does not fit throws StorageFullError even if the body swallows it; reads keep working', () => {
    environment = new ReopenableEnvironment('full-kv', tinyMapSizeBytes);
    const kv = environment.current.kv;
    kv.write({ appliedIndex: 1, appliedTerm: 1, configuration: null }, (writer) =>
      writer.put(bytes('kept'), bytes('value')),
    );
    const swallowing = () => swallowingOn(kv);
    expect(swallowing).toThrow(StorageFullError);
    expect(kv.metadata().appliedIndex).toBe(1);
    expect(kv.get(bytes('key-0'))).toBeUndefined();
    expect(Buffer.from(kv.get(bytes('kept'))!).toString()).toBe('value');
    expect(() =>
      kv.replaceAll(
        Array.from({ length: 10_000 }, (_, key): [Uint8Array, Uint8Array] => [
          bytes(`r-${key}`),
          new Uint8Array(1024),
        ]),
        { appliedIndex: 9, appliedTerm: 2, configuration: null },
      ),
    ).toThrow(StorageFullError);
    expect(kv.range(bytes('a'), null, 10).map(([key]) => Buffer.from(key).toString())).toEqual(['kept']);
    kv.write({ appliedIndex: 3, appliedTerm: 1, configuration: null }, (writer) =>
      writer.put(bytes('small'), bytes('fits')),
    );
    expect(kv.metadata().appliedIndex).toBe(3);

    // LMDB accepts a larger map on reopen: the write that did not fit now does, nothing was lost.
    const reopened = environment.reopen(largerMapSizeBytes).kv;
    expect(Buffer.from(reopened.get(bytes('small'))!).toString()).toBe('fits');
    expect(swallowingOn(reopened)).toBe('fitted');
    expect(reopened.metadata().appliedIndex).toBe(2);
  });
});

describe('LMDB KV keys', () => {
  test('keys LMDB cannot hold (empty, over 511 bytes) are a typed StorageKeyError on put and absent on read', () => {
    environment = new ReopenableEnvironment('keys');
    const kv = environment.current.kv;
    const longKey = new Uint8Array(512).fill(0x61);
    const metadata = { appliedIndex: 1, appliedTerm: 1, configuration: null };
    expect(() => kv.write(metadata, (writer) => writer.put(longKey, bytes('x')))).toThrow(StorageKeyError);
    expect(() => kv.write(metadata, (writer) => writer.put(new Uint8Array(0), bytes('x')))).toThrow(
      /a key of 0 bytes cannot be stored/,
    );
    kv.write(metadata, (writer) => {
      writer.put(new Uint8Array(511).fill(0x61), bytes('longest'));
      writer.put(bytes('b'), bytes('after'));
      writer.delete(longKey);
    });
    expect(kv.get(longKey)).toBeUndefined();
    expect(kv.range(longKey, null, 10).map(([key]) => Buffer.from(key).toString())).toEqual(['b']);
    expect(kv.range(new Uint8Array(0), null, 10)).toHaveLength(2);
  });
});
