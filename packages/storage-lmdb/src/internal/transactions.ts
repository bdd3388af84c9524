// Runs bodies inside LMDB transactions for the adapters: a write either commits whole (one commit,
// synced before it returns) or is aborted, and LMDB's "map full" becomes a typed StorageFullError. Decides nothing about what to write.
import { StorageFullError } from '../errors.js';
import {
  type LmdbDatabase,
  type LmdbEnvironmentHandle,
  type LmdbTransaction,
  lmdbReturnCode,
  lmdbReturnCodeOf,
} from './node-lmdb.js';

/** What the adapters share about one open environment. */
export interface LmdbContext {
  readonly handle: LmdbEnvironmentHandle;
  /** The data file, named in every error. */
  readonly dataFile: string;
  readonly mapSizeBytes: number;
  readonly databases: {
    readonly metadata: LmdbDatabase;
    readonly log: LmdbDatabase;
    readonly kv: LmdbDatabase;
  };
}

/** A StorageFullError for LMDB's map-full / transaction-full codes; undefined for anything else. */
export function storageFullErrorFor(
  context: LmdbContext,
  operation: string,
  error: unknown,
): StorageFullError | undefined {
  const code = lmdbReturnCodeOf(error);
  if (code === lmdbReturnCode.mapFull) {
    return new StorageFullError(context.dataFile, operation, 'map-full', context.mapSizeBytes, {
      cause: error,
    });
  }
  if (code === lmdbReturnCode.transactionFull) {
    return new StorageFullError(context.dataFile, operation, 'transaction-full', context.mapSizeBytes, {
      cause: error,
    });
  }
  return undefined;
}

/**
 * Runs `body` in one write transaction and commits it (LMDB syncs the data file before commit
 * returns). If `body` or the commit throws, nothing is written and the error propagates, with
 * map-full translated to StorageFullError.
 */
export function inWriteTransaction<T>(
  context: LmdbContext,
  operation: string,
  body: (transaction: LmdbTransaction) => T,
): T {
  const transaction = context.handle.beginTxn();
  let result: T;
  try {
    result = body(transaction);
  } catch (error) {
    transaction.abort();
    throw storageFullErrorFor(context, operation, error) ?? error;
  }
  try {
    // A failed commit has already released the transaction (mdb_txn_commit aborts on error).
    transaction.commit();
  } catch (error) {
    throw storageFullErrorFor(context, operation, error) ?? error;
  }
  return result;
}

/** Runs `body` in one read-only transaction (a consistent view) and releases it. */
export function inReadTransaction<T>(context: LmdbContext, body: (transaction: LmdbTransaction) => T): T {
  const transaction = context.handle.beginTxn({ readOnly: true });
  try {
    return body(transaction);
  } finally {
    transaction.abort();
  }
}
