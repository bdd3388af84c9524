// The checker is not tied to the KV register: a small counter model (add, read) plugs into the same
// search, partitioning and shrinking, with the generic explanation when the model offers none.
import { describe, expect, it } from 'vitest';
import { checkLinearizability, type HistoryOperation, type Model } from '../src/linearizability/index.js';

type CounterInput =
  | { readonly type: 'add'; readonly counter: string; readonly amount: number }
  | { readonly type: 'read'; readonly counter: string };
type CounterOperation = HistoryOperation<CounterInput, number | null>;

const counterModel: Model<number, CounterInput, number | null> = {
  name: 'counter',
  init: () => 0,
  step(state, input, observation) {
    if (input.type === 'add') return { ok: true, state: state + input.amount };
    return observation.status === 'unknown' || observation.result === state
      ? { ok: true, state }
      : { ok: false };
  },
  key: (state) => state,
  partition: (input) => input.counter,
  isReadOnly: (input) => input.type === 'read',
  validate: (operation) =>
    operation.input.type === 'add' && !Number.isInteger(operation.input.amount)
      ? 'amount must be an integer'
      : undefined,
  describe: (input, observation) =>
    input.type === 'add'
      ? `add ${input.amount}`
      : `read → ${observation.status === 'ok' ? observation.result : '?'}`,
};

const add = (process: string, invokedAt: number, completedAt: number, amount: number): CounterOperation => ({
  process,
  input: { type: 'add', counter: 'c', amount },
  invokedAt,
  completedAt,
  outcome: { status: 'ok', result: null },
});
const read = (process: string, invokedAt: number, completedAt: number, result: number): CounterOperation => ({
  process,
  input: { type: 'read', counter: 'c' },
  invokedAt,
  completedAt,
  outcome: { status: 'ok', result },
});

describe('a counter model plugs into the checker', () => {
  it('accepts reads that see any sum of the concurrent adds', () => {
    const history = [add('p1', 0, 10, 1), add('p2', 0, 10, 2), read('p3', 1, 2, 2), read('p3', 3, 4, 3)];
    expect(checkLinearizability(counterModel, history).result).toBe('linearizable');
  });

  it('rejects a read of a sum no order of the adds produces, with the generic explanation', () => {
    const history = [add('p1', 0, 1, 1), add('p2', 2, 3, 2), read('p3', 4, 5, 2), read('p4', 6, 7, 3)];
    const verdict = checkLinearizability(counterModel, history);
    if (verdict.result !== 'not-linearizable') throw new Error(`expected a violation, got ${verdict.result}`);
    expect(verdict.counterExample.fromAnyState).toBe(false);
    expect(verdict.counterExample.operations.map((entry) => entry.historyIndex)).toEqual([0, 1, 2]);
    expect(verdict.counterExample.explanation).toBe(
      'no order of these 3 operations respects both their real-time order and the counter semantics',
    );
  });

  it('reports what the model finds malformed', () => {
    const verdict = checkLinearizability(counterModel, [add('p1', 0, 1, 0.5)]);
    expect(verdict).toEqual({
      result: 'invalid-history',
      operationIndex: 0,
      reason: 'amount must be an integer',
    });
  });
});
