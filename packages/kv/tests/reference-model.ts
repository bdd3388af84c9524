// A deliberately simple reference model of the KV semantics (a Map and a counter, no store port,
// no encoding), for the randomized model test. Test support only; never imported by src/.
import type {
  CommandSession,
  Compare,
  KeyValue,
  KvOperation,
  KvResult,
  OperationResult,
  StepResult,
  TransactionStep,
} from '../src/index.js';

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

export class ReferenceModel {
  private readonly keys = new Map<string, KeyValue>();
  private readonly remembered = new Map<string, KvResult>();
  private revision = 0;

  /** Applies a command with unlimited sessions (the test never lets one expire or fill up). */
  apply(operation: KvOperation, session?: CommandSession): KvResult {
    const rememberedKey = session === undefined ? '' : `${session.clientId}#${session.sequence}`;
    const previous = this.remembered.get(rememberedKey);
    if (previous !== undefined) return previous;
    const before = this.revision;
    const result = this.run(operation, before + 1);
    const mutated = this.revision !== before;
    const outcome: KvResult = { ok: true, revision: this.revision, result };
    if (session !== undefined && mutated) this.remembered.set(rememberedKey, outcome);
    return outcome;
  }

  private run(operation: KvOperation, nextRevision: number): OperationResult {
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
