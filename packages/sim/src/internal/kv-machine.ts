// The simulator's replicated state machine: the production KvStateMachine from @raftkv/kv over a
// node's SimulatedKvStore, reporting every apply and restore to the checkers. A restart builds a new
// one over the same store, as raftkvd does after a crash. Never performs I/O.
import {
  type KvApplyResult,
  type KvQuery,
  type KvResult,
  KvStateMachine,
  type MemberAlarm,
} from '@raftkv/kv';
import type {
  Entry,
  LogIndex,
  NodeId,
  ReceivedSnapshot,
  SnapshotMetadata,
  SnapshotReader,
  StateMachine,
} from '@raftkv/raft';
import type { SimulatedKvStore } from './simulated-kv-store.js';

/** What the checkers learn from each state machine; every hook runs synchronously. */
export interface KvMachineObserver {
  onApplied(
    id: NodeId,
    previousAppliedIndex: LogIndex,
    entries: readonly Entry[],
    results: readonly KvApplyResult[],
  ): void;
  /** `values` holds every user key after the restore, as text. */
  onRestored(id: NodeId, metadata: SnapshotMetadata, values: ReadonlyMap<string, string>): void;
}

/** More user keys than any run writes; a restore's read-back asks for all of them at once. */
const userKeysMax = 10_000;
const decoder = new TextDecoder();

export class SimulatedKvMachine implements StateMachine<KvQuery, KvApplyResult> {
  private readonly machine: KvStateMachine;

  constructor(
    readonly id: NodeId,
    private readonly store: SimulatedKvStore,
    private readonly observer: KvMachineObserver,
  ) {
    this.machine = new KvStateMachine(store);
  }

  appliedIndex(): LogIndex {
    return this.machine.appliedIndex();
  }

  apply(entries: readonly Entry[]): KvApplyResult[] {
    const previousAppliedIndex = this.machine.appliedIndex();
    const results = this.machine.apply(entries);
    this.observer.onApplied(this.id, previousAppliedIndex, entries, results);
    return results;
  }

  query(query: KvQuery): KvResult {
    return this.machine.query(query);
  }

  /** The cluster's alarms as this machine has applied them. */
  alarms(): readonly MemberAlarm[] {
    return this.machine.alarms();
  }

  restore(snapshot: ReceivedSnapshot): void {
    this.machine.restore(snapshot);
    this.observer.onRestored(this.id, snapshot.metadata, this.userValues());
  }

  openSnapshot(): SnapshotReader {
    return this.machine.openSnapshot();
  }

  /** The durable-or-not store this machine runs over (it outlives the machine). */
  get kvStore(): SimulatedKvStore {
    return this.store;
  }

  private userValues(): Map<string, string> {
    const values = new Map<string, string>();
    const read = this.machine.query({
      type: 'range',
      start: new Uint8Array(0),
      end: null,
      limit: userKeysMax,
    });
    if (read.ok && read.result.type === 'range') {
      for (const keyValue of read.result.keyValues) {
        values.set(decoder.decode(keyValue.key), decoder.decode(keyValue.value));
      }
    }
    return values;
  }
}
