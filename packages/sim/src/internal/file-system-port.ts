// The file-system port of the write-ahead log: the few synchronous file operations it needs. raftkvd
// passes nodeFileSystem (node:fs); the simulator passes a simulated file system that models power
// loss (writes not covered by a completed sync are lost, the last write may be torn, a created or
// renamed file whose directory was not synced may vanish).
// (A copy of packages/wal/src/file-system.ts until @raftkv/wal exists; keep the two identical.)

/** An open file. */
export type FileDescriptor = number;

/**
 * Every method is synchronous and throws on failure. A failure carries `code` as node:fs errors do
 * (ENOSPC when the disk is full, ENOENT when a path is missing, EIO for a failed sync).
 */
export interface FileSystem {
  /** Whether anything exists at `path`. */
  exists(path: string): boolean;
  /** Creates `path` and any missing parents (mkdir -p); no error if it exists. */
  makeDirectory(path: string): void;
  /** The names in directory `path` (not paths), in no particular order. */
  listDirectory(path: string): string[];
  /** The whole file at `path`. */
  readFile(path: string): Buffer;
  /** 'r+': open an existing file for reading and writing. 'w+': create or truncate, then open. */
  open(path: string, mode: 'r+' | 'w+'): FileDescriptor;
  /** Writes `length` bytes of `bytes` from `offset` at file `position`; returns how many were written. */
  write(
    descriptor: FileDescriptor,
    bytes: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): number;
  /** Makes the file's data durable (fdatasync). */
  syncData(descriptor: FileDescriptor): void;
  /** Makes the file's data and metadata durable (fsync). */
  sync(descriptor: FileDescriptor): void;
  /** Cuts the file to `length` bytes. */
  truncate(descriptor: FileDescriptor, length: number): void;
  close(descriptor: FileDescriptor): void;
  /** Atomically replaces `to` with `from`; durable only once the directory is synced. */
  rename(from: string, to: string): void;
  /** Removes a file; no error if it does not exist. */
  remove(path: string): void;
  /** Makes the directory's entries (creations, renames, removals) durable (fsync of the directory). */
  syncDirectory(path: string): void;
}
