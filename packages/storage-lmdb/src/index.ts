// Public API of @raftkv/storage-lmdb: the LMDB environment and its adapters (LogStorage in LMDB or in
// a write-ahead log beside it, KvStore).
export {
  dataFileName,
  defaultMapSizeBytes,
  type LmdbEnvironment,
  type LmdbEnvironmentOptions,
  type LogStorageKind,
  openLmdbEnvironment,
  storageFormatVersion,
  walDirectoryName,
} from './environment.js';
export {
  StorageCorruptionError,
  StorageError,
  StorageFormatVersionError,
  StorageFullError,
  StorageInUseError,
  StorageKeyError,
} from './errors.js';
export { LmdbKvStore } from './kv-store.js';
export { LmdbLogStorage } from './log-storage.js';
export { WalLogStorage, type WalLogStorageOptions, walSegmentBytesMinDefault } from './wal-log-storage.js';
