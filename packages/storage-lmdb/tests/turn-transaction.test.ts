// One actor turn's LMDB writes in one deferred commit: the write-ahead log's persist is durable when it
// returns, the KV apply waits for the deferred commit; reads inside the turn see its writes, and a
// failure aborts the turn's (and the deferred turns') LMDB writes whole.
import { AssertionError, nodeId } from '@raftkv/raft';
import { afterEach, describe, expect, test } from 'vitest';
import { StorageError, StorageFullError } from '../src/index.js';
import { commandEntries } from './support/entries.js';
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

  test('a failed write that the body caught still aborts the whole turn', () => {
    environment = new ReopenableEnvironment('turn-caught', 256 * 1024);
    const { kv, turnTransaction } = environment.current;
    let caught: unknown;
    expect(() =>
      turnTransaction.run(() => {
        kv.write(applied(1), (writer) => writer.put(bytes('first'), bytes('1')));
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
    expect(reopened.kv.get(bytes('first'))).toBeUndefined();
    expect(reopened.kv.metadata().appliedIndex).toBe(0);
  });

  test('with the write-ahead log a persist is durable when it returns, inside a turn that then fails', () => {
    // What the actor relies on: a persist is durable when it returns, so its messages may leave before the apply.
    environment = new ReopenableEnvironment('turn-wal-durable');
    const { log, kv, turnTransaction } = environment.current;
    expect(() =>
      turnTransaction.run(() => {
        log.persist({ hardState: hardState(2), entries: commandEntries(1, 2, 2), snapshot: null });
        kv.write(applied(2), (writer) => writer.put(bytes('a'), bytes('1')));
        throw new Error('the apply failed');
      }),
    ).toThrow('the apply failed');
    const reopened = environment.reopen();
    expect(reopened.log.lastIndex()).toBe(2);
    expect(reopened.log.initialState().hardState).toEqual(hardState(2));
    expect(reopened.kv.get(bytes('a'))).toBeUndefined();
    expect(reopened.kv.metadata().appliedIndex).toBe(0);
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

  describe('turns are deferred: their LMDB writes wait for a later commit', () => {
    /** Entries 1..2 durable; then a turn that only advances commitIndex and applies them, deferred. */
    function deferredApply(label: string) {
      environment = new ReopenableEnvironment(label);
      const current = environment.current;
      current.turnTransaction.run(() =>
        current.log.persist({ hardState: hardState(0), entries: commandEntries(1, 2, 2), snapshot: null }),
      );
      current.turnTransaction.run(() => {
        current.log.persist({ hardState: hardState(2), entries: [], snapshot: null });
        current.kv.write(applied(2), (writer) => writer.put(bytes('a'), bytes('1')));
      });
      return current;
    }

    test('its writes are readable at once and wait for a later commit', () => {
      const { kv, log } = deferredApply('turn-deferred');
      expect(environment!.current.hasDeferredTurns()).toBe(true);
      expect(kv.get(bytes('a'))).toEqual(bytes('1'));
      expect(kv.metadata().appliedIndex).toBe(2);
      expect(log.initialState().hardState.commitIndex).toBe(2);
      environment!.current.commitDeferredTurns();
      expect(environment!.current.hasDeferredTurns()).toBe(false);
      const reopened = environment!.reopen();
      expect(reopened.kv.get(bytes('a'))).toEqual(bytes('1'));
      expect(reopened.log.initialState().hardState.commitIndex).toBe(2);
    });

    test('a failing turn aborts the deferred turns with it', () => {
      const { turnTransaction } = deferredApply('turn-deferred-abort');
      expect(() =>
        turnTransaction.run(() => {
          throw new Error('the apply failed');
        }),
      ).toThrow('the apply failed');
      expect(environment!.current.hasDeferredTurns()).toBe(false);
      const reopened = environment!.reopen();
      expect(reopened.log.lastIndex()).toBe(2);
      expect(reopened.kv.get(bytes('a'))).toBeUndefined();
      expect(reopened.kv.metadata().appliedIndex).toBe(0);
    });

    test('a write outside a turn, a snapshot view and close() commit the deferred turns first', () => {
      const { log } = deferredApply('turn-deferred-outside');
      log.compact(1);
      expect(environment!.current.hasDeferredTurns()).toBe(false);

      const second = deferredApplyAgain();
      const view = second.kv.openSnapshotView();
      expect(view.metadata.appliedIndex).toBe(3);
      view.close();
      expect(environment!.current.hasDeferredTurns()).toBe(false);

      const third = deferredApplyAgain();
      expect(environment!.current.hasDeferredTurns()).toBe(true);
      third.close();
      const reopened = environment!.reopen();
      expect(reopened.kv.metadata().appliedIndex).toBe(4);
      expect(reopened.log.firstIndex()).toBe(2);
    });
  });
});

/** One more durable entry, then a deferred turn applying it (continues deferredApply's log). */
function deferredApplyAgain() {
  const current = environment!.current;
  const next = current.log.lastIndex() + 1;
  current.turnTransaction.run(() =>
    current.log.persist({ hardState: null, entries: commandEntries(next, next, 2), snapshot: null }),
  );
  current.turnTransaction.run(() => {
    current.log.persist({ hardState: hardState(next), entries: [], snapshot: null });
    current.kv.write(applied(next), (writer) => writer.put(bytes(`key ${next}`), bytes('v')));
  });
  return current;
}
