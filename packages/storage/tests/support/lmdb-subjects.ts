// Test support: LMDB environments in fresh temp directories, wrapped as contract-suite subjects.
import { type LmdbEnvironment, openLmdbEnvironment } from '../../src/index.js';
import type { KvStoreSubject } from './kv-store-contract.js';
import type { LogStorageSubject } from './log-storage-contract.js';
import { makeTemporaryDirectory, removeDirectory } from './temporary-directory.js';

export const testMapSizeBytes = 64 * 1024 * 1024;

/** An environment that can be closed and opened again on the same directory. */
export class ReopenableEnvironment {
  readonly directory: string;
  current: LmdbEnvironment;

  constructor(label: string, mapSizeBytes = testMapSizeBytes) {
    this.directory = makeTemporaryDirectory(label);
    this.current = openLmdbEnvironment({ directory: this.directory, mapSizeBytes });
  }

  reopen(mapSizeBytes = testMapSizeBytes): LmdbEnvironment {
    this.current.close();
    this.current = openLmdbEnvironment({ directory: this.directory, mapSizeBytes });
    return this.current;
  }

  dispose(): void {
    this.current.close();
    removeDirectory(this.directory);
  }
}

export function lmdbLogSubject(): LogStorageSubject {
  const environment = new ReopenableEnvironment('log');
  return {
    storage: environment.current.log,
    reopen: () => environment.reopen().log,
    dispose: () => environment.dispose(),
  };
}

export function lmdbKvSubject(): KvStoreSubject {
  const environment = new ReopenableEnvironment('kv');
  return {
    store: environment.current.kv,
    reopen: () => environment.reopen().kv,
    defersCommits: true,
    dispose: () => environment.dispose(),
  };
}
