// Runs the one LogStorage contract suite against the in-memory double and the LMDB log.
import { MemoryLogStorage } from '@raftkv/raft';
import { lmdbLogSubject } from './support/lmdb-subjects.js';
import { describeLogStorageContract } from './support/log-storage-contract.js';

describeLogStorageContract('MemoryLogStorage', () => ({
  storage: new MemoryLogStorage(),
  dispose: () => {},
}));
describeLogStorageContract('LmdbLogStorage', () => lmdbLogSubject('lmdb'));
describeLogStorageContract('WalLogStorage (in an LMDB environment)', () => lmdbLogSubject('write-ahead-log'));
