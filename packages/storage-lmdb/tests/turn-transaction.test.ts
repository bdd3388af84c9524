// One actor turn as one LMDB commit: the log persist and the KV apply inside turnTransaction.run are
// written together or not at all, reads inside the turn see its writes, and a failure aborts it whole.
import { AssertionError, nodeId } from '@raftkv/raft';
import { afterEach, describe, expect, test } from 'vitest';
import { StorageError, StorageFullError } from '../src/index.js';
import { bytesEntry, commandEntries } from './support/entries.js';
import { bytes } from './support/kv-store-contract.js';
import { ReopenableEnvironment } from './support/lmdb-subjects.js';

let environment: ReopenableEnvironment | undefined;

afterEach(() => {
  environment?.dispose();
  environment = undefined;
});

const hardState = (commitIndex: number) => ({ term: 2, votedFor: nodeId('n1'), commitIndex });
const applied = (appliedIndex: number) => ({ appliedIndex, appliedTerm: 2, configuration: null });

describe('LmdbEnvironment.turnTransaction', () => {
  test('a persist and a KV write inside one turn both survive a reopen', () => {
    environment = new ReopenableEnvironment('turn-commit');
    const { log, kv, turnTransaction } = environment.current;
    turnTransaction.run(() => {
      log.persist({ hardState: hardState(3), entries: commandEntries(1, 3, 2), snapshot: null });
      kv.write(applied(3), (writer) => writer.put(bytes('a'), bytes('1')));
    });
    const reopened = environment.reopen();
    expect(reopened.log.lastIndex()).toBe(3);
    expect(reopened.log.initialState().hardState).toEqual(hardState(3));
    expect(reopened.kv.get(bytes('a'))).toEqual(bytes('1'));
    expect(reopened.kv.metadata().appliedIndex).toBe(3);
  });

  test('reads inside the turn see its own writes, before the commit', () => {
    environment = new ReopenableEnvironment('turn-reads');
    const { log, kv, turnTransaction } = environment.current;
    turnTransaction.run(() => {
      log.persist({ hardState: null, entries: commandEntries(1, 2, 2), snapshot: null });
      kv.write(applied(2), (writer) => writer.put(bytes('k'), bytes('v')));
      expect(log.entries(1, 3, Number.MAX_SAFE_INTEGER).map((entry) => entry.index)).toEqual([1, 2]);
      expect(kv.get(bytes('k'))).toEqual(bytes('v'));
    });
  });

  test('a throw after the persist writes neither the log entries nor the KV pairs', () => {
    environment = new ReopenableEnvironment('turn-throw');
    const { log, kv, turnTransaction } = environment.current;
    expect(() =>
      turnTransaction.run(() => {
        log.persist({ hardState: hardState(2), entries: commandEntries(1, 2, 2), snapshot: null });
        kv.write(applied(2), (writer) => writer.put(bytes('a'), bytes('1')));
        throw new Error('the apply failed');
      }),
    ).toThrow('the apply failed');
    const reopened = environment.reopen();
    expect(reopened.log.lastIndex()).toBe(0);
    expect(reopened.log.initialState().hardState.term).toBe(0);
    expect(reopened.kv.get(bytes('a'))).toBeUndefined();
    expect(reopened.kv.metadata().appliedIndex).toBe(0);
  });

  test('a failed write that the body caught still aborts the whole turn', () => {
    environment = new ReopenableEnvironment('turn-caught', 256 * 1024);
    const { log, kv, turnTransaction } = environment.current;
    let caught: unknown;
    expect(() =>
      turnTransaction.run(() => {
        log.persist({ hardState: hardState(1), entries: commandEntries(1, 1, 2), snapshot: null });
        try {
          kv.write(applied(1), (writer) => {
            for (let key = 0; key < 1000; key++) writer.put(bytes(`key ${key}`), new Uint8Array(1024));
          });
        } catch (error) {
          caught = error;
        }
      }),
    ).toThrow(StorageError);
    expect(caught).toBeInstanceOf(StorageFullError);
    const reopened = environment.reopen();
    expect(reopened.log.lastIndex()).toBe(0);
    expect(reopened.kv.metadata().appliedIndex).toBe(0);
  });

  test('a turn that does not fit the map throws StorageFullError and writes nothing', () => {
    environment = new ReopenableEnvironment('turn-full', 256 * 1024);
    const { log, turnTransaction } = environment.current;
    const entries = Array.from({ length: 400 }, (_, offset) =>
      bytesEntry(offset + 1, 2, new Uint8Array(1024).fill(offset)),
    );
    expect(() =>
      turnTransaction.run(() => log.persist({ hardState: hardState(0), entries, snapshot: null })),
    ).toThrow(StorageFullError);
    expect(environment.reopen().log.lastIndex()).toBe(0);
  });

  test('turns do not nest', () => {
    environment = new ReopenableEnvironment('turn-nest');
    const { turnTransaction } = environment.current;
    expect(() => turnTransaction.run(() => turnTransaction.run(() => {}))).toThrow(AssertionError);
    // The outer turn was aborted by the throw; the environment takes a new turn afterwards.
    turnTransaction.run(() =>
      environment!.current.log.persist({ hardState: hardState(0), entries: [], snapshot: null }),
    );
    expect(environment.reopen().log.initialState().hardState).toEqual(hardState(0));
  });
});
