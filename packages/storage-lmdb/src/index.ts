// Public API of @raftkv/storage-lmdb: the LMDB environment and its adapters (LogStorage in LMDB or in
// a write-ahead log beside it, KvStore).

// The typed errors live in @raftkv/wal (one home); re-exported for the apps.
export {
  StorageCorruptionError,
  StorageError,
  StorageFormatVersionError,
  StorageFullError,
  StorageInUseError,
  StorageKeyError,
} from '@raftkv/wal';
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
export { LmdbKvStore } from './kv-store.js';
export { LmdbLogStorage } from './log-storage.js';
