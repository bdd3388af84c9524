// Public API of @raftkv/wal: the write-ahead log (WalLogStorage, a LogStorage), the file-system port
// it does all its I/O through, and the typed storage errors. nodeFileSystem, the port on node:fs, is
// exported separately from '@raftkv/wal/node-file-system' so that this entry never loads node:fs.
export {
  StorageCorruptionError,
  StorageError,
  StorageFormatVersionError,
  StorageFullError,
  StorageInUseError,
  StorageKeyError,
} from './errors.js';
export type { FileDescriptor, FileSystem } from './file-system.js';
export {
  corruptLogAdvice,
  type TornTail,
  type WalInitialLog,
  WalLogStorage,
  type WalLogStorageOptions,
  walSegmentBytesMinDefault,
} from './wal-log-storage.js';
