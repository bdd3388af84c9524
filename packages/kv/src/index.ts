// Public API of @raftkv/kv.
export type {
  KvStore,
  KvStoreReader,
  KvStoreSnapshotView,
  KvStoreWriter,
  StoreMetadata,
} from './store-port.js';
