// A store that refuses a write: the state machine reports the store's own error, reloads its cached
// counters when it can, and refuses every later apply when even that reload fails.
import type { Entry } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import {
  encodeCommand,
  KvStateMachine,
  type KvStoreWriter,
  MemoryKvStore,
  type StoreMetadata,
} from '../src/index.js';
import { configuration, okResult, text } from './harness.js';

class StoreFullError extends Error {}

/** A MemoryKvStore whose next write fails once armed; `readsFail` then also breaks every read. */
class RefusingStore extends MemoryKvStore {
  armed = false;
  readsFail = false;

  override get(key: Uint8Array): Uint8Array | undefined {
    if (this.readsFail) throw new Error('the transaction was invalidated by the failed write');
    return super.get(key);
  }

  override write<T>(metadata: StoreMetadata, body: (writer: KvStoreWriter) => T): T {
    if (!this.armed) return super.write(metadata, body);
    this.armed = false;
    throw new StoreFullError('the store is full');
  }
}

/** A machine over a RefusingStore that applied the configuration entry at index 1. */
function started(): { store: RefusingStore; machine: KvStateMachine; put: (key: string) => Entry } {
  const store = new RefusingStore();
  const machine = new KvStateMachine(store);
  machine.apply([{ index: 1, term: 1, kind: 'configuration', configuration }]);
  let nextIndex = 2;
  const put = (key: string): Entry => {
    const data = encodeCommand({ operation: { type: 'put', key: text(key), value: text('v') } });
    return { index: nextIndex++, term: 1, kind: 'command', data };
  };
  return { store, machine, put };
}

describe('a refused write', () => {
  it('propagates the store error and leaves the revision as the store has it', () => {
    const { store, machine, put } = started();
    machine.apply([put('a')]);
    const revision = machine.currentRevision();

    store.armed = true;
    const refused = put('b');
    expect(() => machine.apply([refused])).toThrow(StoreFullError);

    // The entry is applied again (the log still holds it), from the same counters as before.
    expect(machine.currentRevision()).toBe(revision);
    const [again] = machine.apply([refused]);
    expect(okResult(again)).toMatchObject({ type: 'put' });
    expect(machine.currentRevision()).toBe(revision + 1);
  });

  it('reports the write error, not the failed reload, and then refuses to apply again', () => {
    const { store, machine, put } = started();

    store.armed = true;
    store.readsFail = true;
    const refused = put('a');
    expect(() => machine.apply([refused])).toThrow(StoreFullError);

    store.readsFail = false;
    expect(() => machine.apply([refused])).toThrow(/the store refused a write and then a read/);
  });
});
