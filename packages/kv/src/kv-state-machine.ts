// KvStateMachine: the replicated KV state machine (paper §5.3, thesis §6.3) as pure logic over the
// KvStore port. Applies each committed batch in ONE store transaction together with the applied
// index. Deterministic: results depend only on the log, so it must never read a clock or randomness.
import {
  assert,
  type Configuration,
  type Entry,
  type LogIndex,
  type ReceivedSnapshot,
  type SnapshotReader,
  type StateMachine,
} from '@raftkv/raft';
import { isBrokenVariant } from '@raftkv/raft/testing';
import { decodeCommand } from './codec.js';
import { type AlarmOperation, type KvOperation, type KvQuery, kvQuerySchema } from './commands.js';
import { AlarmTable } from './internal/alarm-table.js';
import { readUint64, uint64Bytes } from './internal/bytes.js';
import { revisionKey } from './internal/keyspace.js';
import { executeOperation, executeRead } from './internal/operation-executor.js';
import { SessionTable } from './internal/session-table.js';
import { decodeSnapshot, KvSnapshotReader } from './internal/snapshot-stream.js';
import { validateOperation, validateSession } from './internal/validation.js';
import { defaultKvLimits, type KvLimits } from './limits.js';
import type { KvError, KvResult, MemberAlarm } from './results.js';
import type { KvStore, KvStoreWriter, StoreMetadata } from './store-port.js';

export interface KvStateMachineOptions {
  /** Must be identical on every node of the cluster. */
  readonly limits?: KvLimits;
}

/** apply() yields undefined for configuration entries and leader no-ops (empty commands, paper §8). */
export type KvApplyResult = KvResult | undefined;

export class KvStateMachine implements StateMachine<KvQuery, KvApplyResult> {
  private readonly limits: KvLimits;
  private readonly sessions: SessionTable;
  /** The store-wide revision (etcd): bumped once by each command that changes a user key. */
  private revision = 0;
  private revisionChanged = false;
  /** A refused write could not be followed by a reload of the counters: no further apply. */
  private countersStale = false;
  /** The cluster's active alarms (etcd's NOSPACE): while one is, commands that add data are refused. */
  private readonly alarmTable = new AlarmTable();
  /** The latest applied configuration: alarms belong to its members only. */
  private configuration: Configuration | null = null;

  constructor(
    private readonly store: KvStore,
    options: KvStateMachineOptions = {},
  ) {
    this.limits = options.limits ?? defaultKvLimits;
    assertLimits(this.limits);
    this.sessions = new SessionTable(this.limits);
    this.loadCounters();
  }

  appliedIndex(): LogIndex {
    return this.store.metadata().appliedIndex;
  }

  currentRevision(): number {
    return this.revision;
  }

  /** The cluster's active alarms as applied here, ordered by member. */
  alarms(): readonly MemberAlarm[] {
    return this.alarmTable.list();
  }

  apply(entries: readonly Entry[]): KvApplyResult[] {
    assert(
      !this.countersStale,
      'apply: the store refused a write and then a read; restart from the data on disk',
    );
    if (entries.length === 0) return [];
    const metadata = this.metadataAfter(entries);
    let committed = false;
    try {
      const results = this.store.write(metadata, (writer) => {
        const batchResults = entries.map((entry) => this.applyEntry(writer, entry));
        this.flushCounters(writer);
        return batchResults;
      });
      committed = true;
      return results;
    } finally {
      // A refused write (e.g. a full disk) leaves the store as it was: so must the cached counters be,
      // and the batch's session records are dropped unwritten.
      if (!committed) this.reloadCountersAfterRefusedWrite();
    }
  }

  /** A read of the applied state; linearizable when served after ReadIndex confirms (thesis §6.4). */
  query(query: KvQuery): KvResult {
    const parsed = kvQuerySchema.safeParse(query);
    if (!parsed.success)
      return this.failure({ code: 'malformed-command', message: 'query does not match the schema' });
    const invalid = validateOperation(parsed.data, this.limits);
    if (invalid !== null) return this.failure(invalid);
    return { ok: true, revision: this.revision, result: executeRead(this.store, parsed.data) };
  }

  openSnapshot(): SnapshotReader {
    return new KvSnapshotReader(this.store.openSnapshotView());
  }

  restore(snapshot: ReceivedSnapshot): void {
    const { index, term, configuration } = snapshot.metadata;
    const pairs = decodeSnapshot(snapshot.metadata, snapshot.chunks);
    this.store.replaceAll(pairs, { appliedIndex: index, appliedTerm: term, configuration });
    this.loadCounters();
  }

  private metadataAfter(entries: readonly Entry[]): StoreMetadata {
    const previous = this.store.metadata();
    let configuration: Configuration | null = previous.configuration;
    entries.forEach((entry, position) => {
      assert(
        entry.index === previous.appliedIndex + 1 + position,
        () => `apply: entry ${entry.index} does not follow applied index ${previous.appliedIndex + position}`,
      );
      if (entry.kind === 'configuration') configuration = entry.configuration;
    });
    const last = entries[entries.length - 1]!;
    return { appliedIndex: last.index, appliedTerm: last.term, configuration };
  }

  private applyEntry(writer: KvStoreWriter, entry: Entry): KvApplyResult {
    this.sessions.expire(writer, entry.index);
    if (entry.kind === 'configuration') {
      this.applyConfiguration(writer, entry.configuration);
      return undefined;
    }
    if (entry.data.length === 0) return undefined;
    return this.applyCommand(writer, entry.data, entry.index);
  }

  private applyCommand(writer: KvStoreWriter, data: Uint8Array, index: LogIndex): KvResult {
    const decoded = decodeCommand(data);
    if (!decoded.ok) return this.failure(decoded.error);
    const { operation, session } = decoded.command;
    const invalid =
      validateOperation(operation, this.limits) ??
      (session === undefined ? null : validateSession(session, this.limits));
    if (invalid !== null) return this.failure(invalid);
    if (session === undefined) return this.execute(writer, operation);
    const admission = this.sessions.admit(writer, session, index, this.revision);
    if (admission.kind === 'reply') return admission.result;
    // A refusal under the alarm is remembered too: a copy of the command applied after the alarm
    // clears must answer as the first copy did, or one write would be both refused and applied.
    const result = this.execute(writer, operation);
    // Every command that may write is remembered, even when it changed nothing (a failed compare, a
    // delete of an absent key): its retry runs on a later state, where it could write (§6.3). Only a
    // pure read may run again: its retry's answer holds at a point inside the same call.
    const forgetRefusal =
      isBrokenVariant('alarm-refusal-not-remembered') && !result.ok && result.error.code === 'no-space';
    if (mayWrite(operation) && !forgetRefusal)
      this.sessions.remember(writer, admission, session.sequence, result);
    return result;
  }

  private execute(writer: KvStoreWriter, operation: KvOperation): KvResult {
    if (operation.type === 'alarm') return this.applyAlarm(writer, operation);
    if (this.alarmTable.has('no-space') && operationAddsData(operation)) {
      const members = this.alarmTable
        .list()
        .map((alarm) => `${alarm.member} (${alarm.reason})`)
        .join(', ');
      return this.failure({
        code: 'no-space',
        message: `the cluster refuses writes that add data while a no-space alarm is active: ${members}`,
      });
    }
    const outcome = executeOperation(writer, operation, this.revision + 1);
    if (outcome.mutated) {
      this.revision++;
      this.revisionChanged = true;
    }
    return { ok: true, revision: this.revision, result: outcome.result };
  }

  /**
   * Raises or clears an alarm; the KV revision stays (no user key changes). An activation for a
   * member outside the latest configuration changes nothing: a removed member must not block writes.
   */
  private applyAlarm(writer: KvStoreWriter, operation: AlarmOperation): KvResult {
    const { member, alarm } = operation;
    if (operation.action === 'deactivate') {
      this.alarmTable.deactivate(writer, alarm, (owner) => member === null || owner === member);
    } else if (member !== null && this.isMember(member)) {
      // validation.ts let no activation through without its reason and since.
      this.alarmTable.activate(writer, { member, alarm, reason: operation.reason!, since: operation.since! });
    }
    return { ok: true, revision: this.revision, result: { type: 'alarm', alarms: this.alarmTable.list() } };
  }

  /** A member the configuration drops takes its alarms with it (thesis ch. 4: it is no longer part of the cluster). */
  private applyConfiguration(writer: KvStoreWriter, configuration: Configuration): void {
    this.configuration = configuration;
    this.alarmTable.deactivate(writer, 'no-space', (member) => !this.isMember(member));
  }

  private isMember(member: string): boolean {
    return this.configuration?.members.some((candidate) => candidate.id === member) ?? false;
  }

  private failure(error: KvError): KvResult {
    return { ok: false, revision: this.revision, error };
  }

  /** Writes what the batch kept in memory: the sessions it used, the session count, the revision. */
  private flushCounters(writer: KvStoreWriter): void {
    this.sessions.flush(writer);
    if (this.revisionChanged) writer.put(revisionKey, uint64Bytes(this.revision));
    this.revisionChanged = false;
  }

  /**
   * A store whose write failed may refuse reads too (an LMDB turn transaction the failure
   * invalidated): then the write's own error, not the failed reload, is what propagates — it says
   * what happened (e.g. StorageFullError). The cached counters are then stale, so this machine
   * refuses every later apply; its owner must stop (crash-stop, thesis §3.8) and restart from disk.
   */
  private reloadCountersAfterRefusedWrite(): void {
    try {
      this.loadCounters();
    } catch {
      this.countersStale = true;
    }
  }

  private loadCounters(): void {
    const stored = this.store.get(revisionKey);
    this.revision = stored === undefined ? 0 : readUint64(stored, 0);
    this.revisionChanged = false;
    this.sessions.load(this.store);
    this.alarmTable.load(this.store);
    this.configuration = this.store.metadata().configuration;
  }
}

/**
 * Whether the operation could add data on some state: a put, a compare-and-swap (a conditional put)
 * or a transaction with a put in either branch. These are what an active no-space alarm refuses;
 * deletes, reads and alarm commands run (etcd's NOSPACE applier).
 */
export function operationAddsData(operation: KvOperation): boolean {
  switch (operation.type) {
    case 'put':
    case 'compareAndSwap':
      return true;
    case 'transaction':
      return [...operation.success, ...operation.failure].some((step) => step.type === 'put');
    default:
      return false;
  }
}

/** Whether the operation could change a user key on some state (not whether it did on this one). */
function mayWrite(operation: KvOperation): boolean {
  switch (operation.type) {
    case 'get':
    case 'range':
      return false;
    case 'transaction':
      return [...operation.success, ...operation.failure].some(
        (step) => step.type === 'put' || step.type === 'delete',
      );
    default:
      return true;
  }
}

function assertLimits(limits: KvLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    assert(
      Number.isSafeInteger(value) && value >= 1,
      () => `KvLimits.${name} must be a positive integer, got ${value}`,
    );
  }
  // The session result keys store the client id's length in one byte (internal/keyspace.ts).
  assert(limits.clientIdBytesMax <= 255, 'KvLimits.clientIdBytesMax must be at most 255');
}
