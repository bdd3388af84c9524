// Executes validated KV operations against a store transaction with etcd semantics: per-key
// createRevision/modRevision/version, and every write of one command stamped with one new revision.
// It never validates limits (validation.ts does) and never touches sessions or metadata keys.
import type {
  AlarmOperation,
  Compare,
  KvOperation,
  RangeOperation,
  SwapExpectation,
  TransactionStep,
} from '../commands.js';
import type { KeyValue, OperationResult, StepResult } from '../results.js';
import type { KvStoreReader, KvStoreWriter } from '../store-port.js';
import { compareBytes } from './bytes.js';
import { decodeKeyRecord, encodeKeyRecord } from './key-record.js';
import { userKey, userKeyOf, userRange } from './keyspace.js';

export interface ExecutionOutcome {
  readonly result: OperationResult;
  /** Whether any user key changed, so the command consumed `nextRevision`. */
  readonly mutated: boolean;
}

/** The operations on user keys (alarm commands are the state machine's own). */
export type KeyOperation = Exclude<KvOperation, AlarmOperation>;

export function executeOperation(
  writer: KvStoreWriter,
  operation: KeyOperation,
  nextRevision: number,
): ExecutionOutcome {
  const execution = new Execution(writer, nextRevision);
  const result = execution.run(operation);
  return { result, mutated: execution.mutated };
}

/** A read-only step (get or range) against any consistent reader. */
export function executeRead(
  reader: KvStoreReader,
  step: TransactionStep & { type: 'get' | 'range' },
): StepResult {
  return step.type === 'get'
    ? { type: 'get', keyValue: readKeyValue(reader, step.key) }
    : readRange(reader, step);
}

class Execution {
  mutated = false;

  constructor(
    private readonly writer: KvStoreWriter,
    private readonly nextRevision: number,
  ) {}

  run(operation: KeyOperation): OperationResult {
    switch (operation.type) {
      case 'compareAndSwap':
        return this.compareAndSwap(operation.key, operation.expected, operation.value);
      case 'transaction': {
        const succeeded = operation.compares.every((compare) => compareHolds(this.writer, compare));
        const steps = succeeded ? operation.success : operation.failure;
        return { type: 'transaction', succeeded, results: steps.map((step) => this.step(step)) };
      }
      default:
        return this.step(operation);
    }
  }

  private step(step: TransactionStep): StepResult {
    switch (step.type) {
      case 'put': {
        const previous = this.put(step.key, step.value);
        return { type: 'put', previous: step.returnPrevious === true ? previous : null };
      }
      case 'delete': {
        const previous = this.delete(step.key);
        return {
          type: 'delete',
          deleted: previous !== null,
          previous: step.returnPrevious === true ? previous : null,
        };
      }
      default:
        return executeRead(this.writer, step);
    }
  }

  private compareAndSwap(key: Uint8Array, expected: SwapExpectation, value: Uint8Array): OperationResult {
    const compare = { ...expected, key, operator: 'equal' } as Compare;
    if (!compareHolds(this.writer, compare)) {
      return { type: 'compareAndSwap', succeeded: false, current: readKeyValue(this.writer, key) };
    }
    this.put(key, value);
    return { type: 'compareAndSwap', succeeded: true, current: null };
  }

  /** Writes the key at nextRevision; version counts puts since creation (etcd). Returns the previous key-value. */
  private put(key: Uint8Array, value: Uint8Array): KeyValue | null {
    const storeKey = userKey(key);
    const previous = readStoredKeyValue(this.writer, key, storeKey);
    const createRevision = previous === null ? this.nextRevision : previous.createRevision;
    const version = previous === null ? 1 : previous.version + 1;
    this.writer.put(storeKey, encodeKeyRecord(createRevision, this.nextRevision, version, value));
    this.mutated = true;
    return previous;
  }

  /** Deletes the key if present (a delete of a missing key changes nothing and uses no revision). */
  private delete(key: Uint8Array): KeyValue | null {
    const storeKey = userKey(key);
    const previous = readStoredKeyValue(this.writer, key, storeKey);
    if (previous !== null) {
      this.writer.delete(storeKey);
      this.mutated = true;
    }
    return previous;
  }
}

function readKeyValue(reader: KvStoreReader, key: Uint8Array): KeyValue | null {
  return readStoredKeyValue(reader, key, userKey(key));
}

/** The key-value of user `key`, whose store key (userKey(key)) the caller already built. */
function readStoredKeyValue(reader: KvStoreReader, key: Uint8Array, storeKey: Uint8Array): KeyValue | null {
  const record = reader.get(storeKey);
  return record === undefined ? null : decodeKeyRecord(key, record);
}

function readRange(reader: KvStoreReader, range: RangeOperation): StepResult {
  const [start, end] = userRange(range.start, range.end);
  // One extra pair tells whether more remain beyond the limit (etcd's `more`).
  const pairs = reader.range(start, end, range.limit + 1);
  const more = pairs.length > range.limit;
  if (more) pairs.pop();
  return {
    type: 'range',
    keyValues: pairs.map(([storeKey, record]) => decodeKeyRecord(userKeyOf(storeKey), record)),
    more,
  };
}

/** etcd compare semantics: a missing key has revisions 0, and any compare on its value is false. */
function compareHolds(reader: KvStoreReader, compare: Compare): boolean {
  const current = readKeyValue(reader, compare.key);
  let order: number;
  if (compare.target === 'value') {
    if (current === null) return false;
    order = compareBytes(current.value, compare.value);
  } else {
    order = (current === null ? 0 : current[compare.target]) - compare.value;
  }
  switch (compare.operator) {
    case 'equal':
      return order === 0;
    case 'notEqual':
      return order !== 0;
    case 'less':
      return order < 0;
    case 'greater':
      return order > 0;
  }
}
