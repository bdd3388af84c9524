// Opens one member's data directory: the LMDB environment holding the metadata and kv databases, and
// the Raft log in the write-ahead log beside it (migrating, once, a log that an older directory kept
// in LMDB). Owns the commit policy of the state machine's deferred LMDB writes. Verifies the
// format-version marker and every stored checksum before handing out adapters; it never starts empty
// over existing data.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assert, type LogStorage } from '@raftkv/raft';
import {
  StorageCorruptionError,
  StorageError,
  StorageFormatVersionError,
  StorageInUseError,
  type TornTail,
  WalLogStorage,
  type WalLogStorageOptions,
} from '@raftkv/wal';
import { nodeFileSystem } from '@raftkv/wal/node-file-system';
import { clearLegacyLog, legacyLogPresent, readLegacyLog } from './internal/legacy-log.js';
import { readMetadataRecord, writeMetadataRecord } from './internal/metadata-records.js';
import {
  type LmdbEnvironmentHandle,
  lmdbReturnCode,
  lmdbReturnCodeOf,
  nodeLmdb,
} from './internal/node-lmdb.js';
import { encodeFormatVersion } from './internal/record-codec.js';
import {
  commitDeferred,
  type DeferredCommitPolicy,
  discardDeferred,
  hasDeferredWrites,
  inReadTransaction,
  inWriteTransaction,
  type LmdbContext,
} from './internal/transactions.js';
import { LmdbKvStore } from './kv-store.js';

/** The on-disk format this build writes and the only one it reads. */
export const storageFormatVersion = 1;
/** 1 GiB of address space; the file grows only as pages are used. */
export const defaultMapSizeBytes = 1024 * 1024 * 1024;
/** The file LMDB keeps every database in (its lock file, lock.mdb, sits beside it). */
export const dataFileName = 'data.mdb';
/** The write-ahead log's directory inside the data directory. */
export const walDirectoryName = 'wal';
/**
 * The oldest deferred state machine write is committed at most this long after it was made. etcd's
 * backend commits its B-tree every 100 ms; one LMDB commit here costs 5–40 ms of event loop, and a
 * crash loses at most this much applied state, which the log re-applies.
 */
export const deferredCommitIntervalMsDefault = 1000;
/** Key and value bytes held in the deferred transaction before it is committed regardless of time. */
export const deferredCommitBytesMaxDefault = 32 * 1024 * 1024;

export interface LmdbEnvironmentOptions {
  /** Created if missing. One process, one environment per directory. */
  readonly directory: string;
  /** Upper bound on the data file; a write that does not fit throws StorageFullError. */
  readonly mapSizeBytes?: number;
  /** Told when opening the write-ahead log cut off a torn final append (raftkvd logs it). */
  readonly onTornTail?: (tornTail: TornTail) => void;
  /** The write-ahead log's segmentBytesMin (default walSegmentBytesMinDefault, 64 MiB). */
  readonly walSegmentBytesMin?: number;
  /** When the deferred state machine writes are committed (defaults above). */
  readonly commitPolicy?: { readonly intervalMs?: number; readonly bytesMax?: number };
  /**
   * Told when a commit made by the interval timer failed (nobody else is on the stack to throw to);
   * the environment then refuses further writes and the caller must crash-stop. Default: rethrow,
   * an uncaught exception that stops the process.
   */
  readonly onFailure?: (error: unknown) => void;
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
  /** The Raft log, hard state and compaction point, in the write-ahead log. */
  readonly log: LogStorage;
  /** The KV state machine's store. */
  readonly kv: LmdbKvStore;
  /** Whether state machine writes are waiting in the deferred transaction. */
  hasDeferredWrites(): boolean;
  /** Commits the deferred writes now (durably); a no-op without any. Throws StorageFullError if they do not fit. */
  commitDeferredWrites(): void;
  /**
   * Commits the deferred writes (unless a write failed: then they are dropped, and the log re-applies
   * them), closes the write-ahead log, the KV store and its snapshot views, then LMDB. Idempotent.
   */
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
  const policy: DeferredCommitPolicy = {
    intervalMs: options.commitPolicy?.intervalMs ?? deferredCommitIntervalMsDefault,
    bytesMax: options.commitPolicy?.bytesMax ?? deferredCommitBytesMaxDefault,
    onFailure:
      options.onFailure ??
      ((error) => {
        throw error;
      }),
  };
  for (const [name, value] of [
    ['mapSizeBytes', mapSizeBytes],
    ['commitPolicy.intervalMs', policy.intervalMs],
    ['commitPolicy.bytesMax', policy.bytesMax],
  ] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`openLmdbEnvironment: ${name} must be a positive integer, got ${value}`);
    }
  }
  if (openDirectories.has(directory)) {
    throw new StorageInUseError(dataFile, 'this process already has the environment open');
  }
  mkdirSync(directory, { recursive: true });
  const handle = openHandle(directory, dataFile, mapSizeBytes);
  try {
    const context = openDatabases(handle, dataFile, mapSizeBytes, policy);
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

  constructor(
    readonly directory: string,
    private readonly context: LmdbContext,
    readonly log: WalLogStorage,
    readonly kv: LmdbKvStore,
  ) {}

  get dataFile(): string {
    return this.context.dataFile;
  }

  get mapSizeBytes(): number {
    return this.context.mapSizeBytes;
  }

  hasDeferredWrites(): boolean {
    return hasDeferredWrites(this.context);
  }

  commitDeferredWrites(): void {
    assert(!this.closed, 'LmdbEnvironment: commitDeferredWrites after close()');
    commitDeferred(this.context);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.context.failure === null) commitDeferred(this.context);
    } finally {
      discardDeferred(this.context);
      try {
        this.log.close();
      } finally {
        this.kv.close();
        this.context.handle.close();
        openDirectories.delete(this.directory);
      }
    }
  }
}

/**
 * The directory's write-ahead log. A directory from before the write-ahead log keeps its Raft log in
 * LMDB: it is migrated once — the write-ahead log is created from it (its one segment renamed into
 * place only once durable), then the LMDB log is cleared in one commit. A crash between the two
 * leaves both: the segment is complete, so the next open just clears the LMDB log. The write-ahead
 * log may discard entries only once the LMDB state machine is durable past them (paper §7).
 */
function openLog(directory: string, context: LmdbContext, options: LmdbEnvironmentOptions): WalLogStorage {
  const walOptions: WalLogStorageOptions = {
    fileSystem: nodeFileSystem,
    directory: join(directory, walDirectoryName),
    // Paper §7: once discarded, entries can no longer rebuild the state machine up to them.
    beforeDiscarding: () => commitDeferred(context),
    onTornTail: options.onTornTail,
    segmentBytesMin: options.walSegmentBytesMin,
  };
  if (!legacyLogPresent(context)) return WalLogStorage.open(walOptions);
  const log = WalLogStorage.existsIn(nodeFileSystem, walOptions.directory)
    ? WalLogStorage.open(walOptions)
    : WalLogStorage.create(walOptions, readLegacyLog(context));
  try {
    clearLegacyLog(context);
  } catch (error) {
    log.close();
    throw error;
  }
  return log;
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

function openDatabases(
  handle: LmdbEnvironmentHandle,
  dataFile: string,
  mapSizeBytes: number,
  policy: DeferredCommitPolicy,
): LmdbContext {
  const open = (name: string) => handle.openDbi({ name, create: true, keyIsBuffer: true });
  return {
    handle,
    dataFile,
    mapSizeBytes,
    databases: { metadata: open('metadata'), log: open('log'), kv: open('kv') },
    policy,
    deferred: null,
    failure: null,
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
