// A deliberately simple reference model of the KV semantics and its client sessions (Maps and a
// counter, no store port, no encoding), for the randomized model test and the simulator's state
// machine safety checker. Test support (the `@raftkv/kv/testing` entry point); never imported by src/.
import type { AlarmOperation, CommandSession, Compare, KvOperation, TransactionStep } from './commands.js';
import { operationAddsData } from './kv-state-machine.js';
import type { KeyValue, KvResult, MemberAlarm, OperationResult, StepResult } from './results.js';

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

interface ModelSession {
  firstUnacknowledgedSequence: number;
  /** Results of the sequences that may write (all but pure reads), kept until acknowledged (thesis §6.3). */
  readonly remembered: Map<number, KvResult>;
}

export class ReferenceModel {
  private readonly keys = new Map<string, KeyValue>();
  private readonly sessions = new Map<string, ModelSession>();
  private revision = 0;
  /** Active no-space alarms by member, and the members of the latest configuration. */
  private readonly alarms = new Map<string, MemberAlarm>();
  private members: ReadonlySet<string> = new Set();

  /** The store revision now: it grows exactly when a command changes a user key. */
  get currentRevision(): number {
    return this.revision;
  }

  /** The value of `key` now, or undefined when absent. */
  valueOf(key: Uint8Array): Uint8Array | undefined {
    return this.get(key)?.value;
  }

  /** A configuration entry: its members; the alarms of every other member are cleared. */
  applyConfiguration(members: readonly string[]): void {
    this.members = new Set(members);
    for (const member of this.alarms.keys()) if (!this.members.has(member)) this.alarms.delete(member);
  }

  /** The active alarms, ordered by member. */
  activeAlarms(): MemberAlarm[] {
    return [...this.alarms.values()].sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  }

  /**
   * Applies a command. Sessions never expire, are never evicted and never fill up here (callers keep
   * far below those limits); otherwise they follow thesis §6.3 as @raftkv/kv does: sequence 1 creates
   * the session, an unknown session with a later sequence is expired, results below the first
   * unacknowledged sequence are forgotten, and a remembered sequence replies without applying again.
   */
  apply(operation: KvOperation, session?: CommandSession): KvResult {
    if (session === undefined) return this.execute(operation);
    let state = this.sessions.get(session.clientId);
    if (state === undefined) {
      if (session.sequence > 1) {
        return this.error(
          'session-expired',
          `no session for client '${session.clientId}': expired or evicted`,
        );
      }
      state = { firstUnacknowledgedSequence: 1, remembered: new Map() };
      this.sessions.set(session.clientId, state);
    }
    state.firstUnacknowledgedSequence = Math.max(
      state.firstUnacknowledgedSequence,
      session.firstUnacknowledgedSequence,
    );
    for (const sequence of state.remembered.keys()) {
      if (sequence < state.firstUnacknowledgedSequence) state.remembered.delete(sequence);
    }
    if (session.sequence < state.firstUnacknowledgedSequence) {
      return this.error('sequence-acknowledged', `sequence ${session.sequence} was already acknowledged`);
    }
    const previous = state.remembered.get(session.sequence);
    if (previous !== undefined) return previous;
    const outcome = this.execute(operation);
    // A write is remembered even when it changed nothing: run again later, it might (§6.3).
    const readOnly =
      operation.type === 'get' ||
      operation.type === 'range' ||
      (operation.type === 'transaction' &&
        [...operation.success, ...operation.failure].every(
          (step) => step.type === 'get' || step.type === 'range',
        ));
    if (!readOnly) state.remembered.set(session.sequence, outcome);
    return outcome;
  }

  private execute(operation: KvOperation): KvResult {
    if (operation.type === 'alarm') return this.alarm(operation);
    if (this.alarms.size > 0 && operationAddsData(operation)) {
      const members = this.activeAlarms()
        .map((alarm) => `${alarm.member} (${alarm.reason})`)
        .join(', ');
      const message = `the cluster refuses writes that add data while a no-space alarm is active: ${members}`;
      return { ok: false, revision: this.revision, error: { code: 'no-space', message } };
    }
    const result = this.runAt(operation, this.revision + 1);
    return { ok: true, revision: this.revision, result };
  }

  private alarm(operation: AlarmOperation): KvResult {
    const { member } = operation;
    if (operation.action === 'deactivate') {
      if (member === null) this.alarms.clear();
      else this.alarms.delete(member);
    } else if (member !== null && this.members.has(member) && !this.alarms.has(member)) {
      const { alarm, reason, since } = operation;
      this.alarms.set(member, { member, alarm, reason: reason!, since: since! });
    }
    return { ok: true, revision: this.revision, result: { type: 'alarm', alarms: this.activeAlarms() } };
  }

  private error(code: 'session-expired' | 'sequence-acknowledged', message: string): KvResult {
    return { ok: false, revision: this.revision, error: { code, message } };
  }

  private runAt(operation: Exclude<KvOperation, AlarmOperation>, nextRevision: number): OperationResult {
    switch (operation.type) {
      case 'compareAndSwap': {
        const holds = this.holds({ ...operation.expected, key: operation.key, operator: 'equal' } as Compare);
        if (!holds) return { type: 'compareAndSwap', succeeded: false, current: this.get(operation.key) };
        this.put(operation.key, operation.value, nextRevision);
        return { type: 'compareAndSwap', succeeded: true, current: null };
      }
      case 'transaction': {
        const succeeded = operation.compares.every((compare) => this.holds(compare));
        const steps = succeeded ? operation.success : operation.failure;
        return {
          type: 'transaction',
          succeeded,
          results: steps.map((step) => this.step(step, nextRevision)),
        };
      }
      default:
        return this.step(operation, nextRevision);
    }
  }

  private step(step: TransactionStep, nextRevision: number): StepResult {
    switch (step.type) {
      case 'put': {
        const previous = this.put(step.key, step.value, nextRevision);
        return { type: 'put', previous: step.returnPrevious === true ? previous : null };
      }
      case 'get':
        return { type: 'get', keyValue: this.get(step.key) };
      case 'delete': {
        const previous = this.get(step.key);
        if (previous !== null) {
          this.keys.delete(hex(step.key));
          this.revision = nextRevision;
        }
        return {
          type: 'delete',
          deleted: previous !== null,
          previous: step.returnPrevious === true ? previous : null,
        };
      }
      case 'range': {
        const start = hex(step.start);
        const end = step.end === null ? null : hex(step.end);
        const matching = [...this.keys.entries()]
          .filter(([key]) => key >= start && (end === null || key < end))
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([, keyValue]) => keyValue);
        return {
          type: 'range',
          keyValues: matching.slice(0, step.limit),
          more: matching.length > step.limit,
        };
      }
    }
  }

  private put(key: Uint8Array, value: Uint8Array, nextRevision: number): KeyValue | null {
    const previous = this.get(key);
    this.keys.set(hex(key), {
      key,
      value,
      createRevision: previous?.createRevision ?? nextRevision,
      modRevision: nextRevision,
      version: (previous?.version ?? 0) + 1,
    });
    this.revision = nextRevision;
    return previous;
  }

  private get(key: Uint8Array): KeyValue | null {
    return this.keys.get(hex(key)) ?? null;
  }

  private holds(compare: Compare): boolean {
    const current = this.get(compare.key);
    let order: number;
    if (compare.target === 'value') {
      if (current === null) return false;
      const [a, b] = [hex(current.value), hex(compare.value)];
      order = a < b ? -1 : a > b ? 1 : 0;
    } else {
      order = (current?.[compare.target] ?? 0) - compare.value;
    }
    return { equal: order === 0, notEqual: order !== 0, less: order < 0, greater: order > 0 }[
      compare.operator
    ];
  }
}
