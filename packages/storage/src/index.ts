// Public API of @raftkv/storage: a member's data directory — the LMDB environment with its
// KvStore, and the Raft log in the write-ahead log (@raftkv/wal) beside it.

// The typed errors live in @raftkv/wal (one home); its errors module is re-exported whole for the apps.
export * from '@raftkv/wal/errors';
export {
  dataFileName,
  defaultMapSizeBytes,
  deferredCommitBytesMaxDefault,
  deferredCommitIntervalMsDefault,
  type LmdbEnvironment,
  type LmdbEnvironmentOptions,
  openLmdbEnvironment,
  storageFormatVersion,
  walDirectoryName,
} from './environment.js';
export { LmdbKvStore } from './kv-store.js';
export {
  encodeSnapshotFile,
  restoreSnapshotFile,
  SnapshotFileError,
  type SnapshotFileErrorReason,
  type SnapshotFileHeader,
  snapshotFileFormatVersion,
  snapshotFileMagic,
  type VerifiedSnapshotFile,
  verifySnapshotFile,
} from './snapshot-file.js';
