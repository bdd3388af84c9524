// Wraps a FileSystem so that every failure of the write-ahead log's file I/O reaches the caller as a
// typed storage error naming the file: ENOSPC becomes StorageFullError ('disk-full'), anything else
// (EIO from a failed sync, a missing file, ...) StorageError. The node crash-stops on either. Only
// file-system failures (errors carrying a string `code`, as the port specifies) are typed; anything
// else — an assertion, or the simulator stopping the machine mid-call — passes through unchanged.
import { StorageError, StorageFullError } from '../errors.js';
import type { FileDescriptor, FileSystem } from '../file-system.js';

export function checkedFileSystem(fileSystem: FileSystem): FileSystem {
  /** The path each open descriptor was opened with, to name it in errors. */
  const paths = new Map<FileDescriptor, string>();
  const pathOf = (descriptor: FileDescriptor) => paths.get(descriptor) ?? `file descriptor ${descriptor}`;
  return {
    exists: (path) => checked(path, 'stat', () => fileSystem.exists(path)),
    makeDirectory: (path) => checked(path, 'mkdir', () => fileSystem.makeDirectory(path)),
    listDirectory: (path) => checked(path, 'readdir', () => fileSystem.listDirectory(path)),
    readFile: (path) => checked(path, 'read', () => fileSystem.readFile(path)),
    open: (path, mode) => {
      const descriptor = checked(path, 'open', () => fileSystem.open(path, mode));
      paths.set(descriptor, path);
      return descriptor;
    },
    write: (descriptor, bytes, offset, length, position) =>
      checked(pathOf(descriptor), 'write', () =>
        fileSystem.write(descriptor, bytes, offset, length, position),
      ),
    syncData: (descriptor) => checked(pathOf(descriptor), 'fdatasync', () => fileSystem.syncData(descriptor)),
    sync: (descriptor) => checked(pathOf(descriptor), 'fsync', () => fileSystem.sync(descriptor)),
    truncate: (descriptor, length) =>
      checked(pathOf(descriptor), 'truncate', () => fileSystem.truncate(descriptor, length)),
    close: (descriptor) => {
      const path = pathOf(descriptor);
      paths.delete(descriptor);
      checked(path, 'close', () => fileSystem.close(descriptor));
    },
    rename: (from, to) => checked(to, `rename from ${from}`, () => fileSystem.rename(from, to)),
    remove: (path) => checked(path, 'remove', () => fileSystem.remove(path)),
    syncDirectory: (path) => checked(path, 'fsync of the directory', () => fileSystem.syncDirectory(path)),
  };
}

function checked<T>(path: string, operation: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof StorageError) throw error;
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') throw error;
    if (code === 'ENOSPC') throw new StorageFullError(path, operation, 'disk-full', 0, { cause: error });
    const detail = error instanceof Error ? error.message : String(error);
    throw new StorageError(path, `write-ahead log: ${operation} failed: ${detail}`, { cause: error });
  }
}
