// Runs bodies inside LMDB transactions for the adapters: a write either commits whole (one commit,
// synced before it returns) or is aborted, and LMDB's "map full" becomes a typed StorageFullError.
// While a turn transaction is open (or deferred), writes and reads join it. Decides nothing about what to write.
import { assert } from '@raftkv/raft';
import { StorageError, StorageFullError } from '@raftkv/wal';
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
  /** The write transaction of the turn in progress, or of turns whose commit was deferred. */
  turn: OpenTurn | null;
}

interface OpenTurn {
  readonly transaction: LmdbTransaction;
  /** A turn body is running: writes join the transaction. False: only deferred turns are in it. */
  active: boolean;
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
 * map-full translated to StorageFullError. Inside a turn body it joins the turn instead; outside
 * one, deferred turns are committed first (LMDB has one writer).
 */
export function inWriteTransaction<T>(
  context: LmdbContext,
  operation: string,
  body: (transaction: LmdbTransaction) => T,
): T {
  const turn = context.turn;
  if (turn?.active === true) return inOpenTurn(context, turn, operation, body);
  commitDeferredTurns(context);
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
 * Runs `body` with a turn transaction open: the writes of every inWriteTransaction inside it share
 * ONE commit (one durable write for a Ready's persist and its apply). With `mustSync` false the
 * commit is deferred: the transaction stays open, later turns join it, and it is committed by the
 * next mustSync turn, by commitDeferredTurns, or before any other write. If anything inside throws —
 * even if the body caught it — nothing of the turn nor of the deferred turns is committed and the
 * error (or a StorageError) propagates; the adapters' memory is then ahead of the file, so the
 * caller must stop using them.
 */
export function inTurnTransaction(context: LmdbContext, body: () => void, mustSync: boolean): void {
  assert(context.turn?.active !== true, 'inTurnTransaction: turn transactions do not nest');
  const turn = context.turn ?? { transaction: context.handle.beginTxn(), active: false, failed: false };
  context.turn = turn;
  turn.active = true;
  try {
    body();
  } catch (error) {
    abortTurn(context, turn);
    throw storageFullErrorFor(context, 'turn', error) ?? error;
  }
  turn.active = false;
  if (turn.failed) {
    abortTurn(context, turn);
    throw new StorageError(
      context.dataFile,
      'a write inside the turn failed; nothing of the turn was written',
    );
  }
  if (mustSync) commitDeferredTurns(context);
}

/** Commits (durably) the turns whose commit was deferred, if any. */
export function commitDeferredTurns(context: LmdbContext): void {
  const turn = context.turn;
  if (turn === null) return;
  assert(!turn.active, 'commitDeferredTurns: called inside a turn body');
  context.turn = null;
  try {
    turn.transaction.commit();
  } catch (error) {
    throw storageFullErrorFor(context, 'turn', error) ?? error;
  }
}

export function hasDeferredTurns(context: LmdbContext): boolean {
  return context.turn !== null && !context.turn.active;
}

function abortTurn(context: LmdbContext, turn: OpenTurn): void {
  context.turn = null;
  turn.transaction.abort();
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
 * Runs `body` in one read-only transaction (a consistent view) and releases it. While a turn is
 * open or deferred it reads through the turn's write transaction, so it sees the applied state.
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
