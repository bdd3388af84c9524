// The minimal typed surface of node-lmdb 0.10.1 that this package uses, with exact nullability (the
// package's bundled index.d.ts claims getBinary returns Buffer; it returns null when absent). No logic.
import lmdb from 'node-lmdb';

/** Keys and values cross the binding as Buffers; `keyIsBuffer` is set on every database. */
export interface LmdbDatabase {
  stat(transaction: LmdbTransaction): { readonly entryCount: number };
  /** With `justFreePages: true` empties the database inside `txn` and keeps its handle. */
  drop(options: { readonly txn: LmdbTransaction; readonly justFreePages: true }): void;
}

/**
 * Keys and values going in may be any Uint8Array, not only Buffers: the binding checks them with
 * node::Buffer::HasInstance, which accepts every ArrayBufferView, and reads them in place (byteOffset
 * included) — so callers skip wrapping each array in a Buffer. Values coming out are Buffer copies.
 */
export interface LmdbTransaction {
  getBinary(database: LmdbDatabase, key: Uint8Array): Buffer | null;
  putBinary(database: LmdbDatabase, key: Uint8Array, value: Uint8Array): void;
  /** Throws MDB_NOTFOUND when the key is absent. */
  del(database: LmdbDatabase, key: Uint8Array): void;
  commit(): void;
  abort(): void;
}

/** Every positioning method returns the key it landed on (a copy), or null past either end. */
export interface LmdbCursor {
  goToFirst(): Buffer | null;
  goToLast(): Buffer | null;
  goToNext(): Buffer | null;
  goToKey(key: Buffer): Buffer | null;
  goToRange(key: Buffer): Buffer | null;
  /** A copy of the value at the cursor. */
  getCurrentBinary(): Buffer | null;
  close(): void;
}

export interface LmdbEnvironmentHandle {
  open(options: { readonly path: string; readonly mapSize: number; readonly maxDbs: number }): void;
  openDbi(options: {
    readonly name: string;
    readonly create: true;
    readonly keyIsBuffer: true;
  }): LmdbDatabase;
  beginTxn(options?: { readonly readOnly: true }): LmdbTransaction;
  info(): { readonly mapSize: number };
  close(): void;
}

interface NodeLmdbModule {
  readonly Env: new () => LmdbEnvironmentHandle;
  readonly Cursor: new (
    transaction: LmdbTransaction,
    database: LmdbDatabase,
    options: { readonly keyIsBuffer: true },
  ) => LmdbCursor;
}

export const nodeLmdb = lmdb as unknown as NodeLmdbModule;

/** LMDB's return codes (lmdb.h) that this package tells apart; node-lmdb puts them on `error.code`. */
export const lmdbReturnCode = {
  notFound: -30798,
  pageNotFound: -30797,
  corrupted: -30796,
  panic: -30795,
  versionMismatch: -30794,
  invalid: -30793,
  mapFull: -30792,
  transactionFull: -30788,
  badTransaction: -30782,
} as const;

export function lmdbReturnCodeOf(error: unknown): number | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'number') return error.code;
  return undefined;
}

/** A plain Uint8Array view of a Buffer's bytes as a plain Uint8Array, so callers never depend on Buffer. */
export function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** A Buffer over the same memory as `bytes` (no copy), for passing into the binding. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
