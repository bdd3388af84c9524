// Runs bodies inside LMDB transactions for the adapters, and owns the data directory's commit policy:
// the KV store's applies join ONE deferred write transaction, committed (durably: LMDB syncs before
// its commit returns) once it holds `bytesMax` written bytes (by the next write, before it joins:
// so the replies of the turn that crossed the bound leave first), `intervalMs` after its first
// write, before a
// durable write of its own (snapshot restore, initialisation), before a snapshot view, before the
// write-ahead log discards entries, and at close. LMDB's "map full" becomes a typed
// StorageFullError. Decides nothing about what to write.
import { StorageError, StorageFullError } from '@raftkv/wal';
import {
  type LmdbDatabase,
  type LmdbEnvironmentHandle,
  type LmdbTransaction,
  lmdbReturnCode,
  lmdbReturnCodeOf,
} from './node-lmdb.js';

/** When the deferred transaction is committed regardless of any other reason. */
export interface DeferredCommitPolicy {
  /** The oldest deferred write is committed at most this long after it was made. */
  readonly intervalMs: number;
  /** The deferred transaction is committed once its writes (key + value bytes) reach this. */
  readonly bytesMax: number;
  /** A commit made by the interval timer failed: the caller must crash-stop. */
  readonly onFailure: (error: unknown) => void;
}

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
  readonly policy: DeferredCommitPolicy;
  /** The deferred write transaction, or null when everything written is committed. */
  deferred: DeferredTransaction | null;
  /** Set once a deferred write or commit failed: memory may be ahead of the file, so nothing more is written. */
  failure: StorageError | null;
}

interface DeferredTransaction {
  readonly transaction: LmdbTransaction;
  /** Key and value bytes written into it so far. */
  bytes: number;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** errno ENOSPC on Linux, as LMDB reports a page write the file system refused. */
const enospc = 28;

/**
 * A StorageFullError for LMDB's map-full / transaction-full codes, and for ENOSPC (LMDB passes the
 * errno of a failed page write up as the code: the file system is full); undefined for anything else.
 */
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
  if (code === enospc) {
    return new StorageFullError(context.dataFile, operation, 'disk-full', context.mapSizeBytes, {
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
 * Runs `body` in one write transaction of its own and commits it durably, after committing the
 * deferred transaction (LMDB has one writer, and this write must be durable together with
 * everything before it). If `body` or the commit throws, nothing of it is written and the error
 * propagates, with map-full translated to StorageFullError.
 */
export function inWriteTransaction<T>(
  context: LmdbContext,
  operation: string,
  body: (transaction: LmdbTransaction) => T,
): T {
  commitDeferred(context);
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
 * Runs `body` inside the deferred transaction (opening it, and its interval timer, if none is open)
 * and returns its result. A deferred transaction already holding bytesMax bytes is committed first;
 * `bytes` of writes are counted once `body` returns. If `body` throws, the deferred transaction —
 * this write and every deferred write before it — is aborted (LMDB has no nested transactions to
 * undo just this one), the environment refuses every later write, and the error propagates: the
 * caller must crash-stop, and the log re-applies what was lost (paper fig. 2).
 */
export function inDeferredWrite<T>(
  context: LmdbContext,
  operation: string,
  body: (transaction: LmdbTransaction) => { readonly result: T; readonly bytes: number },
): T {
  throwIfFailed(context);
  if (context.deferred !== null && context.deferred.bytes >= context.policy.bytesMax) commitDeferred(context);
  const deferred = context.deferred ?? openDeferred(context);
  let outcome: { readonly result: T; readonly bytes: number };
  try {
    outcome = body(deferred.transaction);
  } catch (error) {
    const failure = storageFullErrorFor(context, operation, error) ?? error;
    abortDeferred(context, failure);
    throw failure;
  }
  deferred.bytes += outcome.bytes;
  return outcome.result;
}

/**
 * Commits the deferred transaction durably, if one is open. A failed commit writes nothing of it,
 * makes the environment refuse later writes, and throws (StorageFullError for a full map).
 */
export function commitDeferred(context: LmdbContext): void {
  throwIfFailed(context);
  const deferred = context.deferred;
  if (deferred === null) return;
  context.deferred = null;
  clearTimeout(deferred.timer);
  try {
    deferred.transaction.commit();
  } catch (error) {
    const failure = storageFullErrorFor(context, 'commit of deferred writes', error) ?? error;
    markFailed(context, failure);
    throw failure;
  }
}

export function hasDeferredWrites(context: LmdbContext): boolean {
  return context.deferred !== null;
}

/** Aborts the deferred transaction without committing it (closing after a failure). */
export function discardDeferred(context: LmdbContext): void {
  const deferred = context.deferred;
  if (deferred === null) return;
  context.deferred = null;
  clearTimeout(deferred.timer);
  deferred.transaction.abort();
}

/**
 * Runs `body` in one read-only transaction (a consistent view) and releases it. While the deferred
 * transaction is open it reads through it, so it sees the applied state.
 */
export function inReadTransaction<T>(context: LmdbContext, body: (transaction: LmdbTransaction) => T): T {
  if (context.deferred !== null) return body(context.deferred.transaction);
  const transaction = context.handle.beginTxn({ readOnly: true });
  try {
    return body(transaction);
  } finally {
    transaction.abort();
  }
}

function openDeferred(context: LmdbContext): DeferredTransaction {
  const transaction = context.handle.beginTxn();
  // Unref'd: a deferred commit never keeps the process alive; close() commits what is left.
  const timer = setTimeout(() => commitInBackground(context), context.policy.intervalMs).unref();
  context.deferred = { transaction, bytes: 0, timer };
  return context.deferred;
}

function commitInBackground(context: LmdbContext): void {
  if (context.failure !== null) return;
  try {
    commitDeferred(context);
  } catch (error) {
    context.policy.onFailure(error);
  }
}

function abortDeferred(context: LmdbContext, cause: unknown): void {
  discardDeferred(context);
  markFailed(context, cause);
}

function markFailed(context: LmdbContext, cause: unknown): void {
  context.failure ??= new StorageError(
    context.dataFile,
    'a deferred LMDB write or commit failed, so the deferred writes were not committed; nothing more ' +
      'is written — restart the node (its log re-applies them)',
    { cause },
  );
}

function throwIfFailed(context: LmdbContext): void {
  if (context.failure !== null) throw context.failure;
}
