// Public API of @raftkv/storage-lmdb: the LMDB environment and its two adapters (LogStorage, KvStore).
export {
  dataFileName,
  defaultMapSizeBytes,
  type LmdbEnvironment,
  type LmdbEnvironmentOptions,
  openLmdbEnvironment,
  storageFormatVersion,
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
