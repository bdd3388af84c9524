// Runs the one KvStore contract suite against the in-memory double and the LMDB store.
import { MemoryKvStore } from '@raftkv/kv';
import { describeKvStoreContract } from './support/kv-store-contract.js';
import { lmdbKvSubject } from './support/lmdb-subjects.js';

describeKvStoreContract('MemoryKvStore', () => ({ store: new MemoryKvStore(), dispose: () => {} }));
describeKvStoreContract('LmdbKvStore', lmdbKvSubject);
