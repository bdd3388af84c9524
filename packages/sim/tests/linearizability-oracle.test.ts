// Differential tests against a brute-force oracle on small random KV histories: verdicts agree, and every
// shrinking step keeps a linearizable history linearizable (no counter-example shows a fake violation).
import { SeededPrng } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import { cutAfter, cutBefore } from '../src/linearizability/counter-example-shrinker.js';
import type { HistoryWindow } from '../src/linearizability/history-window.js';
import {
  type CounterExampleOperation,
  checkLinearizability,
  type KvInput,
  type KvOperation,
  type KvResult,
  kvModel,
} from '../src/linearizability/index.js';
import { isUnobservedWrite } from '../src/linearizability/kv-removal.js';

const seed = Number(process.env.RAFTKV_SEED ?? 7_0002);
const historyCount = 2000;
const values = ['x', 'y', 'z'];

interface OracleCall {
  readonly input: KvInput;
  /** undefined: unknown outcome. */
  readonly result: KvResult | undefined;
  readonly invokedAt: number;
  readonly completedAt: number;
}

function applies(state: string | null, call: OracleCall): { ok: boolean; state: string | null } {
  const { input, result } = call;
  switch (input.type) {
    case 'get':
      return { ok: result === undefined || result === state, state };
    case 'put':
      return { ok: true, state: input.value };
    case 'delete':
      return { ok: true, state: null };
    case 'cas': {
      const succeeds = state === input.expected;
      if (result !== undefined && result !== succeeds) return { ok: false, state };
      return { ok: true, state: succeeds ? input.value : state };
    }
  }
}

/** Is there an order of all definite calls plus some unknown ones that respects real time and the register? */
function oracleLinearizable(calls: readonly OracleCall[], initial: string | null): boolean {
  const used = new Array<boolean>(calls.length).fill(false);
  const definiteLeft = (): boolean => calls.some((call, index) => !used[index] && call.result !== undefined);
  const search = (state: string | null): boolean => {
    if (!definiteLeft()) return true;
    for (let index = 0; index < calls.length; index += 1) {
      if (used[index]) continue;
      const call = calls[index]!;
      const blocked = calls.some((other, j) => !used[j] && j !== index && other.completedAt < call.invokedAt);
      if (blocked) continue;
      const next = applies(state, call);
      if (!next.ok) continue;
      used[index] = true;
      const found = search(next.state);
      used[index] = false;
      if (found) return true;
    }
    return false;
  };
  return search(initial);
}

const toOracle = (operation: KvOperation, cutInFlight = false): OracleCall => ({
  input: operation.input,
  result: operation.outcome.status === 'ok' && !cutInFlight ? operation.outcome.result : undefined,
  invokedAt: operation.invokedAt,
  completedAt:
    operation.outcome.status === 'ok' && !cutInFlight ? operation.completedAt! : Number.POSITIVE_INFINITY,
});

function randomHistory(random: SeededPrng): KvOperation[] {
  const size = 2 + random.nextInt(5);
  const history: KvOperation[] = [];
  for (let i = 0; i < size; i += 1) {
    const invokedAt = random.nextInt(10);
    const completedAt = invokedAt + random.nextInt(4);
    const value = values[random.nextInt(values.length)]!;
    const roll = random.nextInt(4);
    const input: KvInput =
      roll === 0
        ? { type: 'get', key: 'k' }
        : roll === 1
          ? { type: 'put', key: 'k', value }
          : roll === 2
            ? { type: 'delete', key: 'k' }
            : {
                type: 'cas',
                key: 'k',
                expected: random.chance(0.2) ? null : values[random.nextInt(3)]!,
                value,
              };
    let result: KvResult = null;
    if (input.type === 'get') result = random.chance(0.25) ? null : values[random.nextInt(values.length)]!;
    if (input.type === 'cas') result = random.chance(0.5);
    const outcome = random.chance(0.15)
      ? ({ status: 'unknown' } as const)
      : ({ status: 'ok', result } as const);
    history.push({ process: `p${i}`, input, invokedAt, completedAt, outcome });
  }
  return history;
}

function windowFailsFromEveryStart(
  operations: readonly CounterExampleOperation<KvInput, KvResult>[],
  fromAnyState: boolean,
) {
  const calls = operations.map((entry) => toOracle(entry.operation, entry.cutInFlight));
  const starts = fromAnyState ? [null, ...values] : [null];
  return starts.every((start) => !oracleLinearizable(calls, start));
}

describe(`checker agrees with a brute-force oracle on ${historyCount} small random histories (seed ${seed})`, () => {
  it('gives the same verdict, and counter-examples that are violations on their own', () => {
    console.log(`linearizability oracle seed ${seed}`);
    const random = new SeededPrng(seed);
    let violations = 0;
    for (let round = 0; round < historyCount; round += 1) {
      const history = randomHistory(random);
      const expected = oracleLinearizable(
        history.map((operation) => toOracle(operation)),
        null,
      );
      const verdict = checkLinearizability(kvModel, history);
      const context = `round ${round}: ${JSON.stringify(history)}`;
      expect(verdict.result, context).toBe(expected ? 'linearizable' : 'not-linearizable');
      if (verdict.result !== 'not-linearizable') continue;
      violations += 1;
      const { operations, fromAnyState } = verdict.counterExample;
      expect(
        windowFailsFromEveryStart(operations, fromAnyState),
        `${context}\n${verdict.counterExample.text}`,
      ).toBe(true);
      expect(operations.length).toBeLessThanOrEqual(history.length);
    }
    console.log(`${violations} of ${historyCount} random histories were violations`);
    expect(violations).toBeGreaterThan(historyCount / 10);
    expect(violations).toBeLessThan(historyCount);
  });
});

type KvWindow = HistoryWindow<KvInput, KvResult>;

const windowOf = (history: KvOperation[]): KvWindow => ({
  operations: history.map((operation, historyIndex) => ({ historyIndex, operation, cutInFlight: false })),
  fromAnyState: false,
});

/** Linearizable per the oracle; from "any state" means from at least one concrete starting value. */
function oracleWindowLinearizable(window: KvWindow): boolean {
  const calls = window.operations.map((entry) => toOracle(entry.operation, entry.cutInFlight));
  const starts = window.fromAnyState ? [null, ...values] : [null];
  return starts.some((start) => oracleLinearizable(calls, start));
}

function observed(entry: KvWindow['operations'][number]) {
  const { outcome } = entry.operation;
  const observation =
    outcome.status === 'ok' && !entry.cutInFlight ? outcome : ({ status: 'unknown' } as const);
  return { input: entry.operation.input, observation };
}

describe(`every shrinking step keeps a linearizable history linearizable (seed ${seed + 1})`, () => {
  it('holds for cuts at the end, cuts at the start, and removals of reads and unobserved writes', () => {
    const random = new SeededPrng(seed + 1);
    let checked = 0;
    for (let round = 0; round < historyCount; round += 1) {
      const history = randomHistory(random);
      const window = windowOf(history);
      if (!oracleWindowLinearizable(window)) continue;
      checked += 1;
      const context = `round ${round}: ${JSON.stringify(history)}`;
      const times = history.flatMap((operation) => [operation.invokedAt, operation.completedAt!]);
      for (const time of times) {
        expect(oracleWindowLinearizable(cutAfter(window, time)), `${context} cut after ${time}`).toBe(true);
        expect(oracleWindowLinearizable(cutBefore(window, time)), `${context} cut before ${time}`).toBe(true);
      }
      const calls = window.operations.map(observed);
      window.operations.forEach((entry, index) => {
        const call = calls[index]!;
        if (!kvModel.isReadOnly(call.input, call.observation) && !isUnobservedWrite(call, calls)) return;
        const without = { ...window, operations: window.operations.filter((kept) => kept !== entry) };
        expect(oracleWindowLinearizable(without), `${context} without ${index}`).toBe(true);
      });
    }
    expect(checked).toBeGreaterThan(historyCount / 5);
  });
});
