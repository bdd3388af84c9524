// Opens one LMDB environment per data directory holding the metadata and kv databases, and the Raft
// log: a write-ahead log beside the LMDB file for new directories, or the LMDB log database for a
// directory that already keeps its log there. Verifies the format-version marker and every stored
// checksum before handing out adapters; it never starts empty over existing data.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assert, type LogStorage, type TurnTransaction } from '@raftkv/raft';
import {
  StorageCorruptionError,
  StorageError,
  StorageFormatVersionError,
  StorageInUseError,
  WalLogStorage,
} from '@raftkv/wal';
import { nodeFileSystem } from '@raftkv/wal/node-file-system';
import { readMetadataRecord, writeMetadataRecord } from './internal/metadata-records.js';
import {
  type LmdbEnvironmentHandle,
  lmdbReturnCode,
  lmdbReturnCodeOf,
  nodeLmdb,
} from './internal/node-lmdb.js';
import { encodeFormatVersion } from './internal/record-codec.js';
import {
  commitDeferredTurns,
  hasDeferredTurns,
  inReadTransaction,
  inTurnTransaction,
  inWriteTransaction,
  type LmdbContext,
} from './internal/transactions.js';
import { LmdbKvStore } from './kv-store.js';
import { LmdbLogStorage } from './log-storage.js';

/** The on-disk format this build writes and the only one it reads. */
export const storageFormatVersion = 1;
/** 1 GiB of address space; the file grows only as pages are used. */
export const defaultMapSizeBytes = 1024 * 1024 * 1024;
/** The file LMDB keeps every database in (its lock file, lock.mdb, sits beside it). */
export const dataFileName = 'data.mdb';
/** The write-ahead log's directory inside the data directory. */
export const walDirectoryName = 'wal';

/**
 * Where the Raft log lives. 'write-ahead-log': an append-only file, one fdatasync per durable Ready,
 * the state machine in LMDB committed in the background. 'lmdb': the log in the LMDB file, one LMDB
 * commit per durable turn for log and state machine together.
 */
export type LogStorageKind = 'write-ahead-log' | 'lmdb';

export interface LmdbEnvironmentOptions {
  /** Created if missing. One process, one environment per directory. */
  readonly directory: string;
  /** Upper bound on the data file; a write that does not fit throws StorageFullError. */
  readonly mapSizeBytes?: number;
  /** The log storage of a NEW directory (default 'write-ahead-log'); an existing one keeps its own. */
  readonly logStorage?: LogStorageKind;
}

/** Directories this process holds open: node-lmdb would silently share one handle between two opens. */
const openDirectories = new Set<string>();

/** LMDB codes meaning "the file itself is damaged or foreign". */
const corruptFileCodes: readonly number[] = [
  lmdbReturnCode.invalid,
  lmdbReturnCode.corrupted,
  lmdbReturnCode.pageNotFound,
  lmdbReturnCode.versionMismatch,
  lmdbReturnCode.panic,
];

export interface LmdbEnvironment {
  readonly directory: string;
  readonly dataFile: string;
  readonly mapSizeBytes: number;
  /** The Raft log, hard state and compaction point. */
  readonly log: LogStorage;
  /** Which log storage this directory uses. */
  readonly logStorage: LogStorageKind;
  /** The KV state machine's store. */
  readonly kv: LmdbKvStore;
  /**
   * Makes every LMDB write inside `run` one commit (for RaftActor's turnTransaction): with the log in
   * LMDB, one durable write per turn for the persist and the apply; turns that need no sync are
   * deferred into the next commit (see TurnTransaction). With the write-ahead log, which syncs each
   * persist itself, the LMDB commit of every turn is deferred: the log rebuilds the applied state,
   * and `persistDurableInBody` is true, so a turn's messages leave before its apply.
   */
  readonly turnTransaction: TurnTransaction;
  /** Whether turns are waiting for their deferred commit. */
  hasDeferredTurns(): boolean;
  /** Commits deferred turns now (durably); a no-op without any. Throws StorageFullError if they do not fit. */
  commitDeferredTurns(): void;
  /** Commits deferred turns, closes the KV store and its snapshot views, then the environment. Idempotent. */
  close(): void;
}

/**
 * Opens (or, for a new or empty directory, initialises) the environment at `directory`. Refuses with
 * StorageFormatVersionError for an unknown format version and StorageCorruptionError for a damaged
 * file, a bad checksum, corrupt metadata or a gap in the log — each naming the data file.
 */
export function openLmdbEnvironment(options: LmdbEnvironmentOptions): LmdbEnvironment {
  const directory = resolve(options.directory);
  const dataFile = join(directory, dataFileName);
  const mapSizeBytes = options.mapSizeBytes ?? defaultMapSizeBytes;
  if (!Number.isSafeInteger(mapSizeBytes) || mapSizeBytes <= 0) {
    throw new RangeError(`openLmdbEnvironment: mapSizeBytes must be a positive integer, got ${mapSizeBytes}`);
  }
  if (openDirectories.has(directory)) {
    throw new StorageInUseError(dataFile, 'this process already has the environment open');
  }
  mkdirSync(directory, { recursive: true });
  const handle = openHandle(directory, dataFile, mapSizeBytes);
  try {
    const context = openDatabases(handle, dataFile, mapSizeBytes);
    verifyOrInitialiseFormat(context);
    const kv = LmdbKvStore.load(context);
    const environment = new OpenEnvironment(directory, context, openLog(directory, context, options), kv);
    openDirectories.add(directory);
    return environment;
  } catch (error) {
    handle.close();
    throw classifyLmdbError(dataFile, error);
  }
}

class OpenEnvironment implements LmdbEnvironment {
  private closed = false;
  readonly turnTransaction: TurnTransaction;

  constructor(
    readonly directory: string,
    private readonly context: LmdbContext,
    readonly log: LmdbLogStorage | WalLogStorage,
    readonly kv: LmdbKvStore,
  ) {
    const writeAheadLog = log instanceof WalLogStorage;
    this.turnTransaction = {
      run: (body, mustSync) => {
        assert(!this.closed, 'LmdbEnvironment: turn transaction after close()');
        inTurnTransaction(this.context, body, !writeAheadLog && mustSync);
      },
      // The write-ahead log syncs each persist before returning; only the KV apply joins the LMDB commit.
      persistDurableInBody: writeAheadLog,
    };
  }

  get logStorage(): LogStorageKind {
    return this.log instanceof WalLogStorage ? 'write-ahead-log' : 'lmdb';
  }

  get dataFile(): string {
    return this.context.dataFile;
  }

  get mapSizeBytes(): number {
    return this.context.mapSizeBytes;
  }

  hasDeferredTurns(): boolean {
    return hasDeferredTurns(this.context);
  }

  commitDeferredTurns(): void {
    assert(!this.closed, 'LmdbEnvironment: commitDeferredTurns after close()');
    commitDeferredTurns(this.context);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      commitDeferredTurns(this.context);
    } finally {
      try {
        if (this.log instanceof WalLogStorage) this.log.close();
      } finally {
        this.kv.close();
        this.context.handle.close();
        openDirectories.delete(this.directory);
      }
    }
  }
}

/**
 * The directory's own log storage: its write-ahead log if it has one; the LMDB log if that holds
 * anything (a directory from before the write-ahead log); else, for a new directory, the kind asked
 * for. The write-ahead log may discard entries only once the LMDB state machine is durable past them.
 */
function openLog(
  directory: string,
  context: LmdbContext,
  options: LmdbEnvironmentOptions,
): LmdbLogStorage | WalLogStorage {
  const walDirectory = join(directory, walDirectoryName);
  const lmdbLog = LmdbLogStorage.load(context);
  const { hardState } = lmdbLog.initialState();
  const lmdbHoldsLog = lmdbLog.lastIndex() > 0 || hardState.term > 0;
  if (!WalLogStorage.existsIn(nodeFileSystem, walDirectory)) {
    if (lmdbHoldsLog || (options.logStorage ?? 'write-ahead-log') === 'lmdb') return lmdbLog;
  } else if (lmdbHoldsLog) {
    throw new StorageCorruptionError(
      context.dataFile,
      `both the LMDB log and the write-ahead log in ${walDirectory} hold a Raft log; refusing to choose`,
    );
  }
  return WalLogStorage.open({
    fileSystem: nodeFileSystem,
    directory: walDirectory,
    beforeDiscarding: () => commitDeferredTurns(context),
  });
}

function openHandle(directory: string, dataFile: string, mapSizeBytes: number): LmdbEnvironmentHandle {
  const handle = new nodeLmdb.Env();
  try {
    handle.open({ path: directory, mapSize: mapSizeBytes, maxDbs: 3 });
  } catch (error) {
    throw classifyLmdbError(dataFile, error);
  }
  return handle;
}

function openDatabases(handle: LmdbEnvironmentHandle, dataFile: string, mapSizeBytes: number): LmdbContext {
  const open = (name: string) => handle.openDbi({ name, create: true, keyIsBuffer: true });
  return {
    handle,
    dataFile,
    mapSizeBytes,
    databases: { metadata: open('metadata'), log: open('log'), kv: open('kv') },
    turn: null,
  };
}

/**
 * A file without the marker is initialised only if all three databases are empty (a new directory, or
 * a crash before the initialising transaction committed); otherwise it is not ours, or damaged.
 */
function verifyOrInitialiseFormat(context: LmdbContext): void {
  const found = inReadTransaction(context, (transaction) => {
    const version = readMetadataRecord(context, transaction, 'formatVersion', (decoder, payload) =>
      decoder.formatVersion(payload),
    );
    const { metadata, log, kv } = context.databases;
    const holdsData = [metadata, log, kv].some((database) => database.stat(transaction).entryCount > 0);
    return { version, holdsData };
  });
  if (found.version === undefined) {
    if (found.holdsData) {
      throw new StorageCorruptionError(
        context.dataFile,
        'the format-version marker is missing but the databases hold data; refusing to open',
      );
    }
    inWriteTransaction(context, 'initialise', (transaction) =>
      writeMetadataRecord(context, transaction, 'formatVersion', encodeFormatVersion(storageFormatVersion)),
    );
    return;
  }
  if (found.version !== storageFormatVersion) {
    throw new StorageFormatVersionError(context.dataFile, found.version, storageFormatVersion);
  }
}

/** Our typed errors pass through; LMDB's "damaged file" codes become StorageCorruptionError; others are wrapped. */
function classifyLmdbError(dataFile: string, error: unknown): unknown {
  if (error instanceof StorageError || !(error instanceof Error)) return error;
  const code = lmdbReturnCodeOf(error);
  if (code !== undefined && corruptFileCodes.includes(code)) {
    return new StorageCorruptionError(dataFile, `LMDB refuses the file: ${error.message}`, { cause: error });
  }
  if (code === undefined) return error;
  return new StorageError(dataFile, `cannot open: ${error.message}`, { cause: error });
}
