// Point and range reads over the KV database inside a given LMDB transaction (read-only or write, so
// a write transaction sees its own writes). Keys compare as unsigned bytes, LMDB's default order.
import { StorageKeyError } from '@raftkv/wal';
import { asBuffer, asBytes, type LmdbDatabase, type LmdbTransaction, nodeLmdb } from './node-lmdb.js';

/** LMDB's compiled maximum key size (MDB_MAXKEYSIZE in node-lmdb 0.10.1's bundled liblmdb). */
export const lmdbKeyBytesMax = 511;

export function assertStorableKey(file: string, key: Uint8Array): void {
  if (key.byteLength === 0 || key.byteLength > lmdbKeyBytesMax) {
    throw new StorageKeyError(file, key.byteLength, lmdbKeyBytesMax);
  }
}

export function getValue(
  transaction: LmdbTransaction,
  database: LmdbDatabase,
  key: Uint8Array,
): Uint8Array | undefined {
  // A key LMDB cannot hold is simply absent.
  if (key.byteLength === 0 || key.byteLength > lmdbKeyBytesMax) return undefined;
  const value = transaction.getBinary(database, key);
  return value === null ? undefined : asBytes(value);
}

/** Pairs with start ≤ key < end (end null = unbounded), ascending, at most `limit`. */
export function rangePairs(
  transaction: LmdbTransaction,
  database: LmdbDatabase,
  start: Uint8Array,
  end: Uint8Array | null,
  limit: number,
): Array<[Uint8Array, Uint8Array]> {
  const pairs: Array<[Uint8Array, Uint8Array]> = [];
  if (limit <= 0 || (end !== null && Buffer.compare(start, end) >= 0)) return pairs;
  const cursor = new nodeLmdb.Cursor(transaction, database, { keyIsBuffer: true });
  try {
    const startBuffer = asBuffer(start);
    // Seek with at most lmdbKeyBytesMax bytes (a prefix sorts no later), then skip keys below start.
    let key =
      start.byteLength === 0
        ? cursor.goToFirst()
        : cursor.goToRange(startBuffer.subarray(0, lmdbKeyBytesMax));
    while (key !== null && Buffer.compare(key, startBuffer) < 0) key = cursor.goToNext();
    while (key !== null && pairs.length < limit && (end === null || Buffer.compare(key, end) < 0)) {
      pairs.push([asBytes(key), asBytes(cursor.getCurrentBinary()!)]);
      key = cursor.goToNext();
    }
    return pairs;
  } finally {
    cursor.close();
  }
}

/**
 * Every pair, ascending; the cursor closes when iteration ends or is abandoned. `beforeMove` runs
 * before every cursor move, so a caller can refuse to touch a transaction it has since ended.
 */
export function* allPairs(
  transaction: LmdbTransaction,
  database: LmdbDatabase,
  beforeMove: () => void,
): Generator<[Uint8Array, Uint8Array]> {
  beforeMove();
  const cursor = new nodeLmdb.Cursor(transaction, database, { keyIsBuffer: true });
  try {
    for (let key = cursor.goToFirst(); key !== null; beforeMove(), key = cursor.goToNext()) {
      yield [asBytes(key), asBytes(cursor.getCurrentBinary()!)];
    }
  } finally {
    cursor.close();
  }
}
