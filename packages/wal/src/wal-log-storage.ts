// WalLogStorage: the Raft log and hard state in an append-only write-ahead log beside the LMDB file,
// the layout etcd uses (WAL for the log, a B-tree for the state machine). A Ready that must be
// durable is ONE sequential append and ONE fdatasync (thesis §10.2.1), instead of an LMDB commit of
// scattered B-tree pages with two syncs. Entries since the last compaction stay in memory (as in
// etcd's MemoryStorage); the segment is rewritten with only the live log once it has grown enough.
// Every file operation goes through the FileSystem port, so the simulator can run this very code.
import { dirname, join } from 'node:path';
import {
  assert,
  type Configuration,
  type Entry,
  type HardState,
  type InitialState,
  type LogIndex,
  type LogStorage,
  type SnapshotMetadata,
  type Term,
} from '@raftkv/raft';
import { isBrokenVariant } from '@raftkv/raft/testing';
import { StorageCorruptionError, StorageError, StorageFullError } from './errors.js';
import type { FileDescriptor, FileSystem } from './file-system.js';
import { assertAppendable } from './internal/appendable-entries.js';
import { checkedFileSystem } from './internal/checked-file-system.js';
import {
  encodeCompactionRecord,
  encodeEntriesRecord,
  encodeEntry,
  encodeHardStateRecord,
  encodeResetRecord,
  scanSegment,
  walMagic,
} from './internal/wal-records.js';
import { RecordDecoder } from './record-codec.js';

/** A segment is rewritten once it exceeds this many bytes AND four times the live log. */
export const walSegmentBytesMinDefault = 64 * 1024 * 1024;
/** Entries per record when a segment is rewritten, so no single record grows without bound. */
const rewriteEntriesPerRecord = 4096;
const segmentNamePattern = /^(\d{16})\.wal$/;
const initialHardState: HardState = { term: 0, votedFor: null, commitIndex: 0 };
const noCompaction: SnapshotMetadata = { index: 0, term: 0, configuration: { members: [] } };

type LogPersistUpdate = Parameters<LogStorage['persist']>[0];

/** A whole log to start a write-ahead log from: entries compactionPoint.index + 1 on, in order. */
export interface WalInitialLog {
  readonly compactionPoint: SnapshotMetadata;
  readonly entries: readonly Entry[];
  readonly hardState: HardState;
}

const emptyLog: WalInitialLog = { compactionPoint: noCompaction, entries: [], hardState: initialHardState };

/** A torn final append cut off at open: `file` kept its first `validBytes`, lost `droppedBytes`. */
export interface TornTail {
  readonly file: string;
  readonly validBytes: number;
  readonly droppedBytes: number;
}

/** What a damaged log tells the operator to do (it is never repaired automatically). */
export const corruptLogAdvice =
  "this member's log is damaged — rebuild the member from the cluster " +
  "(apps/node/README.md, 'Rebuilding a member')";

export interface WalLogStorageOptions {
  /** Every file operation goes through it: nodeFileSystem in raftkvd, a simulated one in the simulator. */
  readonly fileSystem: FileSystem;
  /** The directory holding the segments (created if missing). */
  readonly directory: string;
  /**
   * Runs before entries through `index` are discarded for good (compaction): from then on the log
   * can no longer rebuild the state machine up to `index`, so it must be durable by the time this
   * returns (paper §7: a snapshot replaces the entries it covers).
   */
  readonly beforeDiscarding?: (index: LogIndex) => void;
  readonly segmentBytesMin?: number;
  /**
   * Called when open cut off a torn final append (an append whose sync never returned, so nobody
   * was told it was durable): raftkvd logs it. The repair itself does not depend on it.
   */
  readonly onTornTail?: (tornTail: TornTail) => void;
}

export class WalLogStorage implements LogStorage {
  /** Entries firstIndex()..lastIndex(), in order. */
  private log: Entry[] = [];
  private compactionPoint: SnapshotMetadata = noCompaction;
  private hardState: HardState = initialHardState;
  /** The hard state last made durable; a commitIndex-only change waits for the next sync. */
  private writtenHardState: HardState = initialHardState;
  private liveBytes = 0;
  private segmentBytes = 0;
  private failed = false;
  private closed = false;

  private constructor(
    private readonly options: WalLogStorageOptions,
    private segmentNumber: number,
    private descriptor: FileDescriptor,
  ) {}

  private get fileSystem(): FileSystem {
    return this.options.fileSystem;
  }

  /** Whether `directory` holds a write-ahead log (at least one segment). */
  static existsIn(uncheckedFileSystem: FileSystem, directory: string): boolean {
    const fileSystem = checkedFileSystem(uncheckedFileSystem);
    if (!fileSystem.exists(directory)) return false;
    return fileSystem.listDirectory(directory).some((name) => segmentNamePattern.test(name));
  }

  /**
   * Opens the newest segment and replays it, verifying every record; creates the first segment in
   * an empty directory. A torn final append (a crash before its fdatasync returned, so nobody was
   * told it was durable) is cut off; any other damage throws StorageCorruptionError.
   */
  static open(uncheckedOptions: WalLogStorageOptions): WalLogStorage {
    const options = withCheckedFileSystem(uncheckedOptions);
    const { directory, fileSystem } = options;
    const segments = prepareDirectory(fileSystem, directory);
    if (segments.length === 0) return WalLogStorage.startWith(options, emptyLog);
    const newest = segments.at(-1)!;
    const path = join(directory, newest);
    const number = Number(segmentNamePattern.exec(newest)![1]);
    const descriptor = fileSystem.open(path, 'r+');
    const storage = new WalLogStorage(options, number, descriptor);
    try {
      storage.replay(path, fileSystem.readFile(path));
    } catch (error) {
      fileSystem.close(descriptor);
      throw error;
    }
    // Older segments are superseded by the newest (a rewrite holds the whole live log).
    for (const older of segments.slice(0, -1)) fileSystem.remove(join(directory, older));
    return storage;
  }

  /**
   * Creates the write-ahead log in a directory that holds no segment yet, starting from `initial`
   * (a log brought over from elsewhere, e.g. an older data directory's LMDB log). The first segment
   * is written whole under a temporary name, synced, renamed into place and the directory synced, so
   * a crash leaves either no log at all or all of `initial`.
   */
  static create(uncheckedOptions: WalLogStorageOptions, initial: WalInitialLog): WalLogStorage {
    const options = withCheckedFileSystem(uncheckedOptions);
    const segments = prepareDirectory(options.fileSystem, options.directory);
    assert(segments.length === 0, () => `WalLogStorage.create: ${options.directory} already holds a log`);
    assertAppendable(
      'WalLogStorage.create',
      initial.entries,
      initial.compactionPoint.index + 1,
      initial.compactionPoint.index,
    );
    return WalLogStorage.startWith(options, initial);
  }

  private static startWith(options: WalLogStorageOptions, initial: WalInitialLog): WalLogStorage {
    const storage = new WalLogStorage(options, 0, -1);
    storage.resetTo(initial.compactionPoint);
    if (initial.entries.length > 0) storage.appendReplacingSuffix(initial.entries);
    storage.hardState = initial.hardState;
    storage.writeSegment(1);
    return storage;
  }

  initialState(): InitialState {
    const compaction = this.compactionPoint;
    return { hardState: this.hardState, snapshot: compaction.index === 0 ? null : compaction };
  }

  firstIndex(): LogIndex {
    return this.compactionPoint.index + 1;
  }

  lastIndex(): LogIndex {
    return this.compactionPoint.index + this.log.length;
  }

  term(index: LogIndex): Term | undefined {
    if (index === this.compactionPoint.index) return this.compactionPoint.term;
    if (index < this.firstIndex() || index > this.lastIndex()) return undefined;
    return this.log[index - this.firstIndex()]!.term;
  }

  /** Entries in [low, high): at least one if low < high, then stopping before `maxBytes` would be exceeded. */
  entries(low: LogIndex, high: LogIndex, maxBytes: number): Entry[] {
    assert(
      low >= this.firstIndex() && low <= high && high <= this.lastIndex() + 1,
      () => `WalLogStorage.entries(${low}, ${high}) outside [${this.firstIndex()}, ${this.lastIndex() + 1}]`,
    );
    const first = this.firstIndex();
    const result: Entry[] = [];
    let totalBytes = 0;
    for (let index = low; index < high; index++) {
      const entry = this.log[index - first]!;
      totalBytes += entryBytes(entry);
      if (result.length > 0 && totalBytes > maxBytes) break;
      result.push(entry);
    }
    return result;
  }

  /**
   * Makes one Ready durable with one append and one fdatasync, in the order types.ts documents: a
   * received snapshot resets the log (thesis §5.2); entries replace any suffix from their first index
   * (paper §5.3); then hard state. A Ready that changes only commitIndex (volatile, paper fig. 2) is
   * kept in memory and written with the next append or at close(). Memory changes only after the sync.
   */
  persist(update: LogPersistUpdate): void {
    this.assertUsable();
    const { hardState, entries, snapshot } = update;
    if (hardState === null && entries.length === 0 && snapshot === null) return;
    const lastBeforeEntries = snapshot === null ? this.lastIndex() : snapshot.index;
    assertAppendable(
      'WalLogStorage',
      entries,
      snapshot === null ? this.firstIndex() : snapshot.index + 1,
      lastBeforeEntries,
    );
    const nextHardState = hardState ?? this.hardState;
    const keepsTermAndVote =
      nextHardState.term === this.writtenHardState.term &&
      nextHardState.votedFor === this.writtenHardState.votedFor;
    if (snapshot === null && entries.length === 0 && keepsTermAndVote) {
      this.hardState = nextHardState;
      return;
    }
    const records: Buffer[] = [];
    if (snapshot !== null) records.push(encodeResetRecord(snapshot));
    if (entries.length > 0) records.push(encodeEntriesRecord(entries.map(encodeEntry)));
    records.push(encodeHardStateRecord(nextHardState));
    this.appendDurably(Buffer.concat(records), 'persist');
    if (snapshot !== null) this.resetTo(snapshot);
    if (entries.length > 0) this.appendReplacingSuffix(entries);
    this.hardState = nextHardState;
    this.writtenHardState = nextHardState;
    this.maybeRewrite();
  }

  /**
   * Discards entries up to and including `index` (paper §7), recording their last term and the
   * configuration in force at `index` (thesis §5.1). beforeDiscarding runs first. A no-op at or below
   * the current compaction point.
   */
  compact(index: LogIndex): void {
    this.assertUsable();
    assert(
      index <= this.lastIndex(),
      () => `WalLogStorage.compact(${index}) beyond lastIndex ${this.lastIndex()}`,
    );
    if (index < this.firstIndex()) return;
    this.options.beforeDiscarding?.(index);
    const point: SnapshotMetadata = {
      index,
      term: this.term(index)!,
      configuration: this.configurationAt(index),
    };
    // Not synced: if a crash loses it, the log merely keeps entries it could have dropped.
    this.append(encodeCompactionRecord(point), 'compact');
    this.compactTo(point);
    this.maybeRewrite();
  }

  /** Writes a hard state still held only in memory (a commitIndex change), then closes. Idempotent. */
  close(): void {
    if (this.closed) return;
    try {
      if (!this.failed && this.hardState !== this.writtenHardState) {
        this.appendDurably(encodeHardStateRecord(this.hardState), 'close');
        this.writtenHardState = this.hardState;
      }
    } finally {
      this.closed = true;
      if (this.descriptor >= 0) this.fileSystem.close(this.descriptor);
    }
  }

  private replay(path: string, bytes: Buffer): void {
    const corrupt = (reason: string) =>
      new StorageCorruptionError(path, `write-ahead log: ${reason}; refusing to open; ${corruptLogAdvice}`);
    const scan = scanSegment(
      bytes,
      new RecordDecoder(path, 'write-ahead log record'),
      corrupt,
      isBrokenVariant('reopen-truncates-final-record'),
    );
    const [first, ...rest] = scan.records;
    if (first?.kind !== 'reset') throw corrupt('the segment does not begin with its starting point');
    this.resetTo(first.point);
    for (const record of rest) {
      switch (record.kind) {
        case 'reset':
          this.resetTo(record.point);
          break;
        case 'entries': {
          const start = record.entries[0]?.index;
          if (start === undefined || start < this.firstIndex() || start > this.lastIndex() + 1) {
            throw corrupt(`entries start at ${start} outside ${this.firstIndex()}..${this.lastIndex() + 1}`);
          }
          record.entries.forEach((entry, offset) => {
            if (entry.index !== start + offset) throw corrupt(`entries are not contiguous at ${entry.index}`);
          });
          this.appendReplacingSuffix(record.entries);
          break;
        }
        case 'hardState':
          this.hardState = record.hardState;
          break;
        case 'compaction':
          if (record.point.index > this.lastIndex()) {
            throw corrupt(
              `compaction through ${record.point.index} beyond the last entry ${this.lastIndex()}`,
            );
          }
          if (record.point.index >= this.firstIndex()) this.compactTo(record.point);
          break;
      }
    }
    this.writtenHardState = this.hardState;
    this.segmentBytes = scan.validBytes;
    if (scan.tornBytes > 0) {
      this.fileSystem.truncate(this.descriptor, scan.validBytes);
      this.fileSystem.sync(this.descriptor);
      this.options.onTornTail?.({ file: path, validBytes: scan.validBytes, droppedBytes: scan.tornBytes });
    }
  }

  /**
   * Writes segment `number` holding the whole live log under a temporary name, syncs it, renames it
   * into place and syncs the directory; only then is the previous segment removed. A crash at any
   * point leaves either the old segment or the new one as the newest complete segment.
   */
  private writeSegment(number: number): void {
    const { directory, fileSystem } = this.options;
    const finalPath = join(directory, segmentName(number));
    const temporaryPath = `${finalPath}.tmp`;
    const descriptor = fileSystem.open(temporaryPath, 'w+');
    let written = 0;
    try {
      const parts: Buffer[] = [walMagic, encodeResetRecord(this.compactionPoint)];
      for (let start = 0; start < this.log.length; start += rewriteEntriesPerRecord) {
        const chunk = this.log.slice(start, start + rewriteEntriesPerRecord);
        parts.push(encodeEntriesRecord(chunk.map(encodeEntry)));
      }
      parts.push(encodeHardStateRecord(this.hardState));
      written = writeFully(fileSystem, descriptor, Buffer.concat(parts), 0, temporaryPath, 'rewrite');
      fileSystem.sync(descriptor);
      fileSystem.rename(temporaryPath, finalPath);
      fileSystem.syncDirectory(directory);
    } catch (error) {
      fileSystem.close(descriptor);
      fileSystem.remove(temporaryPath);
      throw error;
    }
    const previous = this.segmentNumber;
    if (this.descriptor >= 0) fileSystem.close(this.descriptor);
    this.descriptor = descriptor;
    this.segmentNumber = number;
    this.segmentBytes = written;
    this.writtenHardState = this.hardState;
    if (previous > 0) fileSystem.remove(join(directory, segmentName(previous)));
  }

  private maybeRewrite(): void {
    const threshold = Math.max(this.options.segmentBytesMin ?? walSegmentBytesMinDefault, 4 * this.liveBytes);
    if (this.segmentBytes > threshold) this.guarded(() => this.writeSegment(this.segmentNumber + 1));
  }

  private appendDurably(bytes: Buffer, operation: string): void {
    this.guarded(() => {
      this.append(bytes, operation);
      if (!isBrokenVariant('persist-without-fdatasync')) this.fileSystem.syncData(this.descriptor);
    });
  }

  private append(bytes: Buffer, operation: string): void {
    this.guarded(() => {
      const path = join(this.options.directory, segmentName(this.segmentNumber));
      this.segmentBytes += writeFully(
        this.fileSystem,
        this.descriptor,
        bytes,
        this.segmentBytes,
        path,
        operation,
      );
    });
  }

  /** After any failed write the storage refuses further use: memory and file may disagree. */
  private guarded(body: () => void): void {
    try {
      body();
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }

  private assertUsable(): void {
    assert(!this.closed, 'WalLogStorage: used after close()');
    assert(!this.failed, 'WalLogStorage: used after a failed write (the process must stop)');
  }

  private resetTo(point: SnapshotMetadata): void {
    this.compactionPoint = point;
    this.log = [];
    this.liveBytes = 0;
  }

  private appendReplacingSuffix(entries: readonly Entry[]): void {
    const keep = entries[0]!.index - this.firstIndex();
    for (const removed of this.log.splice(keep)) this.liveBytes -= entryBytes(removed);
    for (const entry of entries) {
      this.log.push(entry);
      this.liveBytes += entryBytes(entry);
    }
  }

  private compactTo(point: SnapshotMetadata): void {
    for (const removed of this.log.splice(0, point.index - this.compactionPoint.index)) {
      this.liveBytes -= entryBytes(removed);
    }
    this.compactionPoint = point;
  }

  /** The latest configuration at or before `index`: from the log, else from the compaction point. */
  private configurationAt(index: LogIndex): Configuration {
    for (let at = index; at >= this.firstIndex(); at--) {
      const entry = this.log[at - this.firstIndex()]!;
      if (entry.kind === 'configuration') return entry.configuration;
    }
    return this.compactionPoint.configuration;
  }
}

/** The options with their file system wrapped so every I/O failure is a typed storage error. */
function withCheckedFileSystem(options: WalLogStorageOptions): WalLogStorageOptions {
  return { ...options, fileSystem: checkedFileSystem(options.fileSystem) };
}

/**
 * Creates `directory` and any missing ancestors (mkdir -p), then syncs the parent of every directory
 * it created, so each new entry survives a power loss too (a directory entry is durable only once
 * its parent is synced); and removes leftover temporary files: a rewrite that did not reach its
 * rename never became the log. Returns the segment names, oldest first.
 */
function prepareDirectory(fileSystem: FileSystem, directory: string): string[] {
  const missing: string[] = [];
  for (let path = directory; !fileSystem.exists(path); path = dirname(path)) {
    missing.push(path);
    if (dirname(path) === path) break;
  }
  if (missing.length > 0) {
    fileSystem.makeDirectory(directory);
    // Outermost first: by the time a directory's entry is synced, its parent's entry is durable.
    for (const created of missing.reverse()) fileSystem.syncDirectory(dirname(created));
  }
  const names = fileSystem.listDirectory(directory);
  for (const name of names) if (name.endsWith('.tmp')) fileSystem.remove(join(directory, name));
  return names.filter((name) => segmentNamePattern.test(name)).sort();
}

function segmentName(number: number): string {
  return `${String(number).padStart(16, '0')}.wal`;
}

/** An entry's approximate stored size, for the maxBytes bound of entries(). */
function entryBytes(entry: Entry): number {
  return entry.kind === 'command' ? entry.data.byteLength + 16 : 32 + 48 * entry.configuration.members.length;
}

/** Writes all of `bytes` at `position`; ENOSPC becomes StorageFullError, other failures StorageError. */
function writeFully(
  fileSystem: FileSystem,
  descriptor: FileDescriptor,
  bytes: Buffer,
  position: number,
  path: string,
  operation: string,
): number {
  let offset = 0;
  try {
    while (offset < bytes.byteLength) {
      offset += fileSystem.write(descriptor, bytes, offset, bytes.byteLength - offset, position + offset);
    }
  } catch (error) {
    // The checked file system already typed it; name the operation that was refused.
    if (error instanceof StorageFullError) {
      throw new StorageFullError(path, operation, 'disk-full', 0, { cause: error.cause });
    }
    if (error instanceof StorageError) throw error;
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ENOSPC') throw new StorageFullError(path, operation, 'disk-full', 0, { cause: error });
    if (typeof code !== 'string') throw error;
    throw new StorageError(path, `${operation} failed: ${(error as Error).message}`, { cause: error });
  }
  return offset;
}
