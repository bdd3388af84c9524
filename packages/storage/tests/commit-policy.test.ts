// The data directory's commit policy for the state machine's deferred LMDB writes: applies wait in one
// transaction and are committed after bytesMax bytes, intervalMs after the first of them, before the
// log discards entries, before a snapshot restore or view, and at close — never in part. What is
// committed is checked from another process, as a crash would find it.

import { commandEntries } from '@raftkv/wal/test-support/entries';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { type LmdbEnvironment, type LmdbEnvironmentOptions, openLmdbEnvironment } from '../src/index.js';
import { nodeLmdb } from '../src/internal/node-lmdb.js';
import { bytes } from './support/kv-store-contract.js';
import { testMapSizeBytes } from './support/lmdb-subjects.js';
import { rawGetFromAnotherProcess } from './support/raw-lmdb.js';
import { makeTemporaryDirectory, removeDirectory } from './support/temporary-directory.js';

const directories: string[] = [];
const environments: LmdbEnvironment[] = [];

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const environment of environments.splice(0)) environment.close();
  for (const directory of directories.splice(0)) removeDirectory(directory);
});

function openFresh(options: Partial<LmdbEnvironmentOptions> = {}): LmdbEnvironment {
  const directory = makeTemporaryDirectory('commit-policy');
  directories.push(directory);
  const environment = openLmdbEnvironment({ directory, mapSizeBytes: testMapSizeBytes, ...options });
  environments.push(environment);
  return environment;
}

const applied = (appliedIndex: number) => ({ appliedIndex, appliedTerm: 1, configuration: null });

/** Applies batch `index`: one key `k<index>` with a 20-byte value (22 or 23 bytes written). */
function apply(environment: LmdbEnvironment, index: number): void {
  environment.kv.write(applied(index), (writer) => writer.put(bytes(`k${index}`), new Uint8Array(20)));
}

/** Whether batch `index`'s key is committed, as another process (or a restart after a crash) sees it. */
function committed(environment: LmdbEnvironment, index: number): boolean {
  return rawGetFromAnotherProcess(environment.directory, 'kv', Buffer.from(`k${index}`)) !== null;
}

describe('the deferred commit policy', () => {
  test('an apply is readable at once but committed only later', () => {
    const environment = openFresh();
    apply(environment, 1);
    expect(environment.kv.metadata().appliedIndex).toBe(1);
    expect(environment.kv.get(bytes('k1'))).toBeDefined();
    expect(environment.hasDeferredWrites()).toBe(true);
    expect(committed(environment, 1)).toBe(false);
    environment.commitDeferredWrites();
    expect(environment.hasDeferredWrites()).toBe(false);
    expect(committed(environment, 1)).toBe(true);
  });

  test('once the deferred writes reach bytesMax, the next write commits them before it joins', () => {
    const environment = openFresh({ commitPolicy: { bytesMax: 60 } });
    apply(environment, 1);
    apply(environment, 2);
    apply(environment, 3);
    // 3 × 22 bytes: over the bound, but the turn that crossed it is not made to wait for a commit.
    expect(committed(environment, 3)).toBe(false);
    apply(environment, 4);
    expect([1, 2, 3, 4].map((index) => committed(environment, index))).toEqual([true, true, true, false]);
    expect(environment.hasDeferredWrites(), 'write 4 waits in a new deferred transaction').toBe(true);
    apply(environment, 5);
    expect(committed(environment, 4), 'the count starts over after a commit').toBe(false);
  });

  test('the oldest deferred write is committed intervalMs after it was made, not later', () => {
    vi.useFakeTimers();
    const environment = openFresh({ commitPolicy: { intervalMs: 1000 } });
    apply(environment, 1);
    vi.advanceTimersByTime(600);
    apply(environment, 2);
    vi.advanceTimersByTime(399);
    expect(environment.hasDeferredWrites()).toBe(true);
    vi.advanceTimersByTime(1);
    expect(environment.hasDeferredWrites()).toBe(false);
    expect(committed(environment, 2)).toBe(true);
    // Nothing deferred, nothing scheduled: the next write starts a new interval.
    vi.advanceTimersByTime(5000);
    apply(environment, 3);
    vi.advanceTimersByTime(999);
    expect(environment.hasDeferredWrites()).toBe(true);
    vi.advanceTimersByTime(1);
    expect(environment.hasDeferredWrites()).toBe(false);
  });

  test('before the write-ahead log discards entries, the applies they could rebuild are committed (paper §7)', () => {
    const environment = openFresh();
    environment.log.persist({ hardState: null, entries: commandEntries(1, 4, 1), snapshot: null });
    apply(environment, 3);
    environment.log.compact(3);
    expect(environment.hasDeferredWrites()).toBe(false);
    expect(committed(environment, 3)).toBe(true);
  });

  test('a snapshot restore (replaceAll) is durable when it returns, with every deferred write before it', () => {
    const environment = openFresh();
    apply(environment, 1);
    environment.kv.replaceAll([[bytes('k9'), bytes('from the snapshot')]], applied(9));
    expect(environment.hasDeferredWrites()).toBe(false);
    expect(committed(environment, 9)).toBe(true);
    expect(committed(environment, 1), 'replaced by the snapshot').toBe(false);
  });

  test('a snapshot view commits the deferred writes first, so it holds the whole applied state', () => {
    const environment = openFresh();
    apply(environment, 1);
    const view = environment.kv.openSnapshotView();
    expect(view.metadata.appliedIndex).toBe(1);
    view.close();
    expect(committed(environment, 1)).toBe(true);
  });

  test('close commits the deferred writes', () => {
    const environment = openFresh();
    apply(environment, 1);
    environment.close();
    expect(committed(environment, 1)).toBe(true);
  });
});

describe('failures of deferred writes', () => {
  test('a write whose body throws drops the deferred writes before it; later writes are refused; restart re-applies', () => {
    const environment = openFresh();
    apply(environment, 1);
    expect(() =>
      environment.kv.write(applied(2), () => {
        throw new Error('the apply failed');
      }),
    ).toThrow('the apply failed');
    expect(environment.hasDeferredWrites()).toBe(false);
    expect(() => apply(environment, 3)).toThrow(/restart the node/);
    expect(() => environment.commitDeferredWrites()).toThrow(/restart the node/);
    environment.close();
    expect(committed(environment, 1), 'never committed in part or after the failure').toBe(false);
    const reopened = openLmdbEnvironment({
      directory: environment.directory,
      mapSizeBytes: testMapSizeBytes,
    });
    environments.push(reopened);
    expect(reopened.kv.metadata().appliedIndex).toBe(0);
    apply(reopened, 1);
    expect(reopened.kv.metadata().appliedIndex).toBe(1);
  });

  test('a failed commit by the interval timer is reported through onFailure, and later writes are refused', () => {
    vi.useFakeTimers();
    const failures: unknown[] = [];
    const environment = openFresh({
      commitPolicy: { intervalMs: 1000 },
      onFailure: (error) => failures.push(error),
    });
    apply(environment, 1);
    // Every node-lmdb transaction shares one prototype: make the next commit fail as LMDB does
    // (mdb_txn_commit releases the transaction on error).
    const transactionPrototype = transactionPrototypeOf(environment.directory);
    vi.spyOn(transactionPrototype, 'commit').mockImplementationOnce(function (this: { abort(): void }) {
      this.abort();
      throw Object.assign(new Error('MDB_MAP_FULL: Environment mapsize limit reached'), { code: -30792 });
    });
    vi.advanceTimersByTime(1000);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ name: 'StorageFullError', reason: 'map-full' });
    expect(environment.hasDeferredWrites()).toBe(false);
    expect(() => apply(environment, 2)).toThrow(/restart the node/);
    expect(committed(environment, 1)).toBe(false);
  });
});

/** The prototype of node-lmdb's transactions, found through a throwaway environment. */
function transactionPrototypeOf(besides: string): { commit(): void } {
  const handle = new nodeLmdb.Env();
  const directory = makeTemporaryDirectory('prototype');
  directories.push(directory);
  handle.open({ path: directory, mapSize: 1024 * 1024, maxDbs: 1 });
  try {
    const transaction = handle.beginTxn({ readOnly: true });
    const prototype = Object.getPrototypeOf(transaction) as { commit(): void };
    transaction.abort();
    expect(directory).not.toBe(besides);
    return prototype;
  } finally {
    handle.close();
  }
}
