// Runs the one LogStorage contract suite against the in-memory double and the data directory's log
// (the write-ahead log, opened by the LMDB environment).
import { MemoryLogStorage } from '@raftkv/raft';
import { lmdbLogSubject } from './support/lmdb-subjects.js';
import { describeLogStorageContract } from './support/log-storage-contract.js';

describeLogStorageContract('MemoryLogStorage', () => ({
  storage: new MemoryLogStorage(),
  dispose: () => {},
}));
describeLogStorageContract('WalLogStorage (in an LMDB environment)', () => lmdbLogSubject());
