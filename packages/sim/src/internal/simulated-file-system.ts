// A simulated file system for the write-ahead log's file-system port: every file and directory keeps
// a volatile view (the page cache, what reads see) and a durable view (what survives power loss), so
// the simulator can cut the power and see what a real disk could show afterwards. Pure and seeded.
import type { Prng } from '@raftkv/raft';
import type { FileDescriptor, FileSystem } from '@raftkv/wal';

/** The node:fs error codes this file system raises, with node's wording. */
const errorDescriptions = {
  EBADF: 'bad file descriptor',
  EBUSY: 'resource busy or locked',
  EEXIST: 'file already exists',
  EINVAL: 'invalid argument',
  EIO: 'i/o error',
  EISDIR: 'illegal operation on a directory',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on device',
  ENOTDIR: 'not a directory',
  ENOTEMPTY: 'directory not empty',
} as const;

export type FileSystemErrorCode = keyof typeof errorDescriptions;

/** A failed operation, shaped like a node:fs error: `code`, `syscall` and (when there is one) `path`. */
export class FileSystemError extends Error {
  constructor(
    readonly code: FileSystemErrorCode,
    readonly syscall: string,
    readonly path?: string,
  ) {
    super(`${code}: ${errorDescriptions[code]}, ${syscall}${path === undefined ? '' : ` '${path}'`}`);
    this.name = 'FileSystemError';
  }
}

/** What one power loss did, for the simulator's counters. */
export interface PowerLossReport {
  /** Files that survived but lost (part of) at least one unsynced write or truncation. */
  readonly filesAffected: number;
  /** Unsynced writes and truncations lost entirely. */
  readonly writesLost: number;
  /** Unsynced writes of which only a prefix reached the disk. */
  readonly tornWrites: number;
  /** Unsynced directory operations (create, mkdir, rename, remove) undone. */
  readonly directoryOperationsLost: number;
  /** Paths that existed before the power loss and do not after. */
  readonly entriesVanished: number;
}

type InodeId = number;

/** A change to a file's data not yet covered by a completed sync, in the order it was made. */
type DataOperation =
  | { readonly kind: 'write'; readonly position: number; readonly bytes: Buffer }
  | { readonly kind: 'truncate'; readonly length: number };

/**
 * A change to a directory's entries not yet covered by a syncDirectory. At power loss each group is
 * kept or lost as a whole: a rename within one directory is one operation, so it is atomic; the two
 * halves of a rename across directories share a group, and each half becomes durable with its own
 * directory's sync.
 */
type DirectoryOperation =
  | { readonly kind: 'link'; readonly name: string; readonly target: InodeId; readonly group: object }
  | { readonly kind: 'unlink'; readonly name: string; readonly target: InodeId; readonly group: object }
  | {
      readonly kind: 'rename';
      readonly from: string;
      readonly to: string;
      readonly target: InodeId;
      readonly group: object;
    };

interface FileInode {
  readonly kind: 'file';
  readonly id: InodeId;
  volatile: ByteStore;
  durable: ByteStore;
  pending: DataOperation[];
}

interface DirectoryInode {
  readonly kind: 'directory';
  readonly id: InodeId;
  entries: Map<string, InodeId>;
  durableEntries: Map<string, InodeId>;
  pending: DirectoryOperation[];
}

type Inode = FileInode | DirectoryInode;

const rootId: InodeId = 0;

/**
 * The simulated file system. Durability follows POSIX, not any one file system's extra guarantees:
 * - syncData/sync make a file's data (and size) durable; writes and truncations after the last
 *   completed sync are volatile. Metadata beyond the size (times, modes) is not modelled, so the
 *   two syncs behave alike.
 * - Directory entries (a file created by open 'w+', makeDirectory, rename, remove) are volatile
 *   until syncDirectory of the directory holding them; a file is durable only if every directory on
 *   its path has its entry durable (a file's sync does not make its name durable).
 * - crash() is a process crash: the page cache survives, only descriptors are lost.
 * - powerLoss() keeps, per file, the durable data plus a prefix of its unsynced writes, the last one
 *   possibly torn; and each unsynced directory operation independently (a rename within one
 *   directory atomically; the halves of one across directories are durable with their own
 *   directory's sync, so a file may end up under both names or neither).
 * Descriptors refer to files, not names, as in POSIX: a file renamed or removed while open is still
 * written through its descriptor. Descriptor numbers are never reused, so a stale one fails (EBADF).
 */
export class SimulatedFileSystem implements FileSystem {
  private readonly inodes = new Map<InodeId, Inode>();
  private readonly descriptors = new Map<FileDescriptor, FileInode>();
  private nextInode: InodeId = rootId + 1;
  private nextDescriptor: FileDescriptor = 3;
  private capacityBytes: number | null = null;
  private syncFailureArmed = false;

  constructor() {
    this.inodes.set(rootId, newDirectory(rootId));
  }

  // ---- the port ----

  exists(path: string): boolean {
    const found = this.resolve(components(path));
    return found.kind === 'found';
  }

  makeDirectory(path: string): void {
    const parts = components(path);
    let directory = this.root();
    for (const [position, name] of parts.entries()) {
      const existing = directory.entries.get(name);
      if (existing === undefined) {
        const created = newDirectory(this.nextInode++);
        this.inodes.set(created.id, created);
        this.link(directory, name, created.id);
        directory = created;
        continue;
      }
      const inode = this.inode(existing);
      if (inode.kind === 'file') {
        throw new FileSystemError(position === parts.length - 1 ? 'EEXIST' : 'ENOTDIR', 'mkdir', path);
      }
      directory = inode;
    }
  }

  listDirectory(path: string): string[] {
    return [...this.directoryAt(path, 'scandir').entries.keys()];
  }

  readFile(path: string): Buffer {
    return this.fileAt(path, 'open').volatile.copy();
  }

  open(path: string, mode: 'r+' | 'w+'): FileDescriptor {
    if (mode !== 'r+' && mode !== 'w+') {
      throw invalidArgument('ERR_INVALID_ARG_VALUE', `open mode must be 'r+' or 'w+', got ${String(mode)}`);
    }
    let file: FileInode;
    if (mode === 'r+') {
      file = this.fileAt(path, 'open');
    } else {
      const { parent, name } = this.parentOf(path, 'open');
      const existing = parent.entries.get(name);
      if (existing === undefined) {
        file = newFile(this.nextInode++);
        this.inodes.set(file.id, file);
        this.link(parent, name, file.id);
      } else {
        const inode = this.inode(existing);
        if (inode.kind === 'directory') throw new FileSystemError('EISDIR', 'open', path);
        file = inode;
        if (file.volatile.length > 0) applyData(file, { kind: 'truncate', length: 0 });
      }
    }
    const descriptor = this.nextDescriptor++;
    this.descriptors.set(descriptor, file);
    return descriptor;
  }

  write(
    descriptor: FileDescriptor,
    bytes: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): number {
    const file = this.fileOf(descriptor, 'write');
    if (!(bytes instanceof Uint8Array))
      throw invalidArgument('ERR_INVALID_ARG_TYPE', 'write: bytes must be a Uint8Array');
    requireCount(offset, 'offset');
    requireCount(length, 'length');
    requireCount(position, 'position');
    if (offset + length > bytes.byteLength) {
      throw invalidArgument(
        'ERR_OUT_OF_RANGE',
        `write: offset ${offset} + length ${length} exceeds the ${bytes.byteLength}-byte buffer`,
      );
    }
    if (length === 0) return 0;
    let writable = length;
    const growth = position + length - file.volatile.length;
    if (this.capacityBytes !== null && growth > 0) {
      const free = Math.max(0, this.capacityBytes - this.usedBytes());
      // A disk that fills mid-write takes what fits (a short write); only a write of nothing fails.
      writable = Math.min(length, file.volatile.length + free - position);
      if (writable <= 0) throw new FileSystemError('ENOSPC', 'write');
    }
    const copy = Buffer.from(bytes.subarray(offset, offset + writable));
    applyData(file, { kind: 'write', position, bytes: copy });
    return writable;
  }

  syncData(descriptor: FileDescriptor): void {
    this.syncFile(this.fileOf(descriptor, 'fdatasync'), 'fdatasync');
  }

  sync(descriptor: FileDescriptor): void {
    this.syncFile(this.fileOf(descriptor, 'fsync'), 'fsync');
  }

  truncate(descriptor: FileDescriptor, length: number): void {
    const file = this.fileOf(descriptor, 'ftruncate');
    requireCount(length, 'length');
    applyData(file, { kind: 'truncate', length });
  }

  close(descriptor: FileDescriptor): void {
    this.fileOf(descriptor, 'close');
    this.descriptors.delete(descriptor);
    this.collectGarbage();
  }

  rename(from: string, to: string): void {
    const source = this.parentOf(from, 'rename');
    const targetId = source.parent.entries.get(source.name);
    if (targetId === undefined) throw new FileSystemError('ENOENT', 'rename', from);
    const moved = this.inode(targetId);
    const destination = this.parentOf(to, 'rename');
    const replacedId = destination.parent.entries.get(destination.name);
    if (replacedId === targetId) return; // Two names of one file: POSIX says do nothing.
    if (replacedId !== undefined) {
      const replaced = this.inode(replacedId);
      if (replaced.kind === 'directory' && moved.kind === 'file')
        throw new FileSystemError('EISDIR', 'rename', to);
      if (replaced.kind === 'file' && moved.kind === 'directory')
        throw new FileSystemError('ENOTDIR', 'rename', to);
      if (replaced.kind === 'directory' && replaced.entries.size > 0) {
        throw new FileSystemError('ENOTEMPTY', 'rename', to);
      }
    }
    if (moved.kind === 'directory' && this.contains(moved, destination.parent)) {
      throw new FileSystemError('EINVAL', 'rename', to);
    }
    const group = {};
    source.parent.entries.delete(source.name);
    destination.parent.entries.set(destination.name, targetId);
    if (source.parent === destination.parent) {
      source.parent.pending.push({
        kind: 'rename',
        from: source.name,
        to: destination.name,
        target: targetId,
        group,
      });
    } else {
      source.parent.pending.push({ kind: 'unlink', name: source.name, target: targetId, group });
      destination.parent.pending.push({ kind: 'link', name: destination.name, target: targetId, group });
    }
    this.collectGarbage();
  }

  remove(path: string): void {
    const { parent, name } = this.parentOf(path, 'rm');
    const existing = parent.entries.get(name);
    if (existing === undefined) return;
    if (this.inode(existing).kind === 'directory') throw new FileSystemError('EISDIR', 'rm', path);
    parent.entries.delete(name);
    parent.pending.push({ kind: 'unlink', name, target: existing, group: {} });
    this.collectGarbage();
  }

  syncDirectory(path: string): void {
    const directory = this.directoryAt(path, 'fsync');
    this.failSyncIfArmed('fsync', path);
    directory.durableEntries = new Map(directory.entries);
    directory.pending = [];
    this.collectGarbage();
  }

  // ---- fault injection ----

  /**
   * The process crashed (SIGKILL), the machine did not: the page cache survives, so nothing written
   * is lost; every open descriptor is gone.
   */
  crash(): void {
    this.descriptors.clear();
    this.collectGarbage();
  }

  /**
   * The power failed: replaces what reads see with what a real disk could hold afterwards, drawing
   * every choice from `random`. Per file, the durable data plus a prefix of the unsynced writes and
   * truncations in order (none, some or all), where the last kept write may be torn at any byte.
   * Per directory, each unsynced operation kept or lost on its own; a file whose name is lost (on
   * its path) is gone. Afterwards everything is durable again and every descriptor is gone.
   */
  powerLoss(random: Prng): PowerLossReport {
    const pathsBefore = this.paths();
    const decisions = new Map<object, boolean>();
    let directoryOperationsLost = 0;
    for (const inode of this.inodes.values()) {
      if (inode.kind !== 'directory') continue;
      const entries = new Map(inode.durableEntries);
      for (const operation of inode.pending) {
        let kept = decisions.get(operation.group);
        if (kept === undefined) {
          kept = random.nextInt(2) === 1;
          decisions.set(operation.group, kept);
          if (!kept) directoryOperationsLost += 1;
        }
        if (kept) applyDirectoryOperation(entries, operation);
      }
      inode.entries = entries;
      inode.durableEntries = new Map(entries);
      inode.pending = [];
    }
    this.keepDirectoriesATree();
    this.descriptors.clear();
    this.collectGarbage();

    let filesAffected = 0;
    let writesLost = 0;
    let tornWrites = 0;
    for (const inode of this.inodes.values()) {
      if (inode.kind !== 'file' || inode.pending.length === 0) continue;
      const pending = inode.pending;
      let kept: number;
      let tornBytes = 0;
      const choice = random.nextInt(3);
      if (choice === 0) {
        kept = 0;
      } else if (choice === 1) {
        kept = 1 + random.nextInt(pending.length);
      } else {
        kept = random.nextInt(pending.length);
        const next = pending[kept]!;
        if (next.kind === 'write' && next.bytes.byteLength >= 2)
          tornBytes = 1 + random.nextInt(next.bytes.byteLength - 1);
      }
      const result = inode.durable.clone();
      for (const operation of pending.slice(0, kept)) applyTo(result, operation);
      if (tornBytes > 0) {
        const torn = pending[kept] as Extract<DataOperation, { kind: 'write' }>;
        result.write(torn.bytes.subarray(0, tornBytes), torn.position);
        tornWrites += 1;
      }
      writesLost += pending.length - kept - (tornBytes > 0 ? 1 : 0);
      if (kept < pending.length) filesAffected += 1;
      inode.durable = result;
      inode.volatile = result.clone();
      inode.pending = [];
    }

    const pathsAfter = this.paths();
    let entriesVanished = 0;
    for (const path of pathsBefore) if (!pathsAfter.has(path)) entriesVanished += 1;
    return { filesAffected, writesLost, tornWrites, directoryOperationsLost, entriesVanished };
  }

  /**
   * Bit rot: flips one random bit of the file's durable data, and of what reads see unless an
   * unsynced write or truncation has since replaced that byte. Returns the byte's offset, or null if
   * the file holds no durable data.
   */
  flipBit(path: string, random: Prng): number | null {
    const file = this.fileAt(path, 'open');
    if (file.durable.length === 0) return null;
    const offset = random.nextInt(file.durable.length);
    const mask = 1 << random.nextInt(8);
    file.durable.flip(offset, mask);
    const replaced = file.pending.some((operation) =>
      operation.kind === 'write'
        ? offset >= operation.position && offset < operation.position + operation.bytes.byteLength
        : operation.length <= offset,
    );
    if (!replaced) file.volatile.flip(offset, mask);
    return offset;
  }

  /** Writes that would grow the files past `bytes` in total fail with ENOSPC; null: no limit. */
  setCapacityBytes(bytes: number | null): void {
    if (bytes !== null) requireCount(bytes, 'capacity');
    this.capacityBytes = bytes;
  }

  /** The next sync of any kind (syncData, sync, syncDirectory) fails with EIO and makes nothing durable. */
  failNextSync(): void {
    this.syncFailureArmed = true;
  }

  /** Bytes held by files that are named or open (what counts against the capacity). */
  usedBytes(): number {
    const counted = new Set<FileInode>(this.descriptors.values());
    const stack: DirectoryInode[] = [this.root()];
    for (let directory = stack.pop(); directory !== undefined; directory = stack.pop()) {
      for (const id of directory.entries.values()) {
        const inode = this.inode(id);
        if (inode.kind === 'directory') stack.push(inode);
        else counted.add(inode);
      }
    }
    let total = 0;
    for (const file of counted) total += file.volatile.length;
    return total;
  }

  // ---- internals ----

  private syncFile(file: FileInode, syscall: string): void {
    this.failSyncIfArmed(syscall);
    for (const operation of file.pending) applyTo(file.durable, operation);
    file.pending = [];
  }

  private failSyncIfArmed(syscall: string, path?: string): void {
    if (!this.syncFailureArmed) return;
    this.syncFailureArmed = false;
    throw new FileSystemError('EIO', syscall, path);
  }

  private link(directory: DirectoryInode, name: string, target: InodeId): void {
    directory.entries.set(name, target);
    directory.pending.push({ kind: 'link', name, target, group: {} });
  }

  private root(): DirectoryInode {
    return this.inodes.get(rootId) as DirectoryInode;
  }

  private inode(id: InodeId): Inode {
    const inode = this.inodes.get(id);
    if (inode === undefined) throw new Error(`SimulatedFileSystem: dangling inode ${id}`);
    return inode;
  }

  private resolve(
    parts: readonly string[],
  ): { kind: 'found'; inode: Inode } | { kind: 'missing' } | { kind: 'not-directory' } {
    let inode: Inode = this.root();
    for (const name of parts) {
      if (inode.kind !== 'directory') return { kind: 'not-directory' };
      const next = inode.entries.get(name);
      if (next === undefined) return { kind: 'missing' };
      inode = this.inode(next);
    }
    return { kind: 'found', inode };
  }

  private existing(path: string, syscall: string): Inode {
    const found = this.resolve(components(path));
    if (found.kind === 'missing') throw new FileSystemError('ENOENT', syscall, path);
    if (found.kind === 'not-directory') throw new FileSystemError('ENOTDIR', syscall, path);
    return found.inode;
  }

  private fileAt(path: string, syscall: string): FileInode {
    const inode = this.existing(path, syscall);
    if (inode.kind === 'directory') throw new FileSystemError('EISDIR', syscall, path);
    return inode;
  }

  private directoryAt(path: string, syscall: string): DirectoryInode {
    const inode = this.existing(path, syscall);
    if (inode.kind === 'file') throw new FileSystemError('ENOTDIR', syscall, path);
    return inode;
  }

  /** The directory that holds (or would hold) `path`, and the last name; the root has no parent. */
  private parentOf(path: string, syscall: string): { parent: DirectoryInode; name: string } {
    const parts = components(path);
    const name = parts.pop();
    if (name === undefined)
      throw new FileSystemError(syscall === 'rename' ? 'EBUSY' : 'EISDIR', syscall, path);
    const found = this.resolve(parts);
    if (found.kind === 'missing') throw new FileSystemError('ENOENT', syscall, path);
    if (found.kind === 'not-directory' || found.inode.kind === 'file') {
      throw new FileSystemError('ENOTDIR', syscall, path);
    }
    return { parent: found.inode, name };
  }

  private fileOf(descriptor: FileDescriptor, syscall: string): FileInode {
    if (!Number.isInteger(descriptor)) {
      throw invalidArgument(
        'ERR_INVALID_ARG_TYPE',
        `${syscall}: descriptor must be an integer, got ${String(descriptor)}`,
      );
    }
    const file = this.descriptors.get(descriptor);
    if (file === undefined) throw new FileSystemError('EBADF', syscall);
    return file;
  }

  /** Whether `inner` is `outer` or lies below it in the volatile tree. */
  private contains(outer: DirectoryInode, inner: DirectoryInode): boolean {
    const stack: DirectoryInode[] = [outer];
    for (let directory = stack.pop(); directory !== undefined; directory = stack.pop()) {
      if (directory === inner) return true;
      for (const id of directory.entries.values()) {
        const inode = this.inode(id);
        if (inode.kind === 'directory') stack.push(inode);
      }
    }
    return false;
  }

  /** Every path in the volatile tree. */
  private paths(): Set<string> {
    const paths = new Set<string>();
    const stack: Array<[string, DirectoryInode]> = [['', this.root()]];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const [prefix, directory] = next;
      for (const [name, id] of directory.entries) {
        const path = `${prefix}/${name}`;
        paths.add(path);
        const inode = this.inode(id);
        if (inode.kind === 'directory') stack.push([path, inode]);
      }
    }
    return paths;
  }

  /**
   * A directory has one name (POSIX forbids hard links to directories), but a power loss that keeps
   * one half of a rename across directories can give it two, or even form a cycle. Like fsck, keeps
   * the first name found walking from the root and drops the others.
   */
  private keepDirectoriesATree(): void {
    const seen = new Set<InodeId>([rootId]);
    const queue: DirectoryInode[] = [this.root()];
    for (let index = 0; index < queue.length; index += 1) {
      const directory = queue[index]!;
      for (const [name, id] of [...directory.entries]) {
        const inode = this.inode(id);
        if (inode.kind !== 'directory') continue;
        if (seen.has(id)) {
          directory.entries.delete(name);
          directory.durableEntries.delete(name);
        } else {
          seen.add(id);
          queue.push(inode);
        }
      }
    }
  }

  /**
   * Drops files and directories nothing can reach any more: not named in the volatile or durable
   * view, not named by an unsynced directory operation (a lost removal brings a file back), not open.
   */
  private collectGarbage(): void {
    const live = new Set<InodeId>([rootId]);
    const stack: InodeId[] = [rootId, ...[...this.descriptors.values()].map((file) => file.id)];
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      live.add(id);
      const inode = this.inode(id);
      if (inode.kind !== 'directory') continue;
      const reachable = [
        ...inode.entries.values(),
        ...inode.durableEntries.values(),
        ...inode.pending.map((operation) => operation.target),
      ];
      for (const next of reachable) if (!live.has(next)) stack.push(next);
    }
    for (const id of [...this.inodes.keys()]) if (!live.has(id)) this.inodes.delete(id);
  }
}

/** A growable byte array: a file's contents in one view. */
class ByteStore {
  private buffer: Buffer;

  constructor(
    source: Buffer = Buffer.alloc(0),
    public length = source.byteLength,
  ) {
    this.buffer = source;
  }

  write(bytes: Uint8Array, position: number): void {
    const end = position + bytes.byteLength;
    this.reserve(end);
    if (position > this.length) this.buffer.fill(0, this.length, position);
    this.buffer.set(bytes, position);
    this.length = Math.max(this.length, end);
  }

  truncate(length: number): void {
    if (length > this.length) {
      this.reserve(length);
      this.buffer.fill(0, this.length, length);
    }
    this.length = length;
  }

  flip(offset: number, mask: number): void {
    this.buffer[offset]! ^= mask;
  }

  copy(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  clone(): ByteStore {
    return new ByteStore(this.copy());
  }

  private reserve(bytes: number): void {
    if (bytes <= this.buffer.byteLength) return;
    const grown = Buffer.alloc(Math.max(bytes, 2 * this.buffer.byteLength, 64));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

function newFile(id: InodeId): FileInode {
  return { kind: 'file', id, volatile: new ByteStore(), durable: new ByteStore(), pending: [] };
}

function newDirectory(id: InodeId): DirectoryInode {
  return { kind: 'directory', id, entries: new Map(), durableEntries: new Map(), pending: [] };
}

/** Applies a change to what reads see and remembers it as unsynced. */
function applyData(file: FileInode, operation: DataOperation): void {
  applyTo(file.volatile, operation);
  file.pending.push(operation);
}

function applyTo(store: ByteStore, operation: DataOperation): void {
  if (operation.kind === 'write') store.write(operation.bytes, operation.position);
  else store.truncate(operation.length);
}

/** Replays one kept operation onto recovered entries; one whose file is not where it was is skipped. */
function applyDirectoryOperation(entries: Map<string, InodeId>, operation: DirectoryOperation): void {
  switch (operation.kind) {
    case 'link':
      entries.set(operation.name, operation.target);
      break;
    case 'unlink':
      if (entries.get(operation.name) === operation.target) entries.delete(operation.name);
      break;
    case 'rename':
      if (entries.get(operation.from) === operation.target) {
        entries.delete(operation.from);
        entries.set(operation.to, operation.target);
      }
      break;
  }
}

/** A POSIX path's names: '/a/b', '/a/b/' and 'a//b' alike; '.' dropped, '..' climbs (not past the root). */
function components(path: string): string[] {
  if (typeof path !== 'string' || path.length === 0) {
    throw invalidArgument(
      'ERR_INVALID_ARG_TYPE',
      `a path must be a non-empty string, got ${JSON.stringify(path)}`,
    );
  }
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts;
}

function requireCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument('ERR_OUT_OF_RANGE', `${what} must be a non-negative integer, got ${String(value)}`);
  }
}

/** Bad arguments throw as node:fs does: a RangeError or TypeError carrying an ERR_* code. */
function invalidArgument(code: string, message: string): Error {
  const error = code === 'ERR_OUT_OF_RANGE' ? new RangeError(message) : new TypeError(message);
  return Object.assign(error, { code });
}
