// Runs bodies inside LMDB transactions for the adapters: a write either commits whole (one commit,
// synced before it returns) or is aborted, and LMDB's "map full" becomes a typed StorageFullError.
// While a turn transaction is open, every write and read joins it. Decides nothing about what to write.
import { assert } from '@raftkv/raft';
import { StorageError, StorageFullError } from '../errors.js';
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
  /** The write transaction of the turn in progress (inTurnTransaction), which every write joins. */
  turn: OpenTurn | null;
}

interface OpenTurn {
  readonly transaction: LmdbTransaction;
  /** A body inside the turn threw (and may have been caught): the turn must not commit. */
  failed: boolean;
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
  const turn = context.turn;
  if (turn !== null) return inOpenTurn(context, turn, operation, body);
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

/**
 * Runs `body` with a turn transaction open: the writes of every inWriteTransaction inside it become
 * ONE commit (one durable write for a Ready's persist and its apply). If anything inside throws —
 * even if the body caught it — nothing is committed and the error (or a StorageError) propagates;
 * the adapters' memory may then be ahead of the file, so the caller must stop using them.
 */
export function inTurnTransaction(context: LmdbContext, body: () => void): void {
  assert(context.turn === null, 'inTurnTransaction: turn transactions do not nest');
  const turn: OpenTurn = { transaction: context.handle.beginTxn(), failed: false };
  context.turn = turn;
  try {
    body();
  } catch (error) {
    context.turn = null;
    turn.transaction.abort();
    throw storageFullErrorFor(context, 'turn', error) ?? error;
  }
  context.turn = null;
  if (turn.failed) {
    turn.transaction.abort();
    throw new StorageError(
      context.dataFile,
      'a write inside the turn failed; nothing of the turn was written',
    );
  }
  try {
    turn.transaction.commit();
  } catch (error) {
    throw storageFullErrorFor(context, 'turn', error) ?? error;
  }
}

/** A write joining the open turn: no commit of its own; a failure marks the whole turn failed. */
function inOpenTurn<T>(
  context: LmdbContext,
  turn: OpenTurn,
  operation: string,
  body: (transaction: LmdbTransaction) => T,
): T {
  try {
    return body(turn.transaction);
  } catch (error) {
    turn.failed = true;
    throw storageFullErrorFor(context, operation, error) ?? error;
  }
}

/**
 * Runs `body` in one read-only transaction (a consistent view) and releases it. Inside a turn it
 * reads through the turn's write transaction, so it sees the turn's own writes.
 */
export function inReadTransaction<T>(context: LmdbContext, body: (transaction: LmdbTransaction) => T): T {
  if (context.turn !== null) return body(context.turn.transaction);
  const transaction = context.handle.beginTxn({ readOnly: true });
  try {
    return body(transaction);
  } finally {
    transaction.abort();
  }
}
