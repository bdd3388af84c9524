// The checker on a generated 10,000-operation history of a simulated linearizable store (10 processes,
// overlaps, unknown and failed outcomes): passes; with one planted stale read, fails; tiny budget: unknown.
import { SeededPrng } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import {
  checkLinearizability,
  type KvInput,
  type KvOperation,
  kvModel,
} from '../src/linearizability/index.js';

const seed = Number(process.env.RAFTKV_SEED ?? 6_0001);
const operationCount = 10_000;
const processCount = 10;
const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

interface PlannedOperation {
  readonly operation: KvOperation;
  /** When it takes effect on the register; undefined when it never does. */
  readonly effectAt: number | undefined;
}

function drawInput(random: SeededPrng, key: string, value: string, written: string[]): KvInput {
  const roll = random.nextInt(100);
  if (roll < 40) return { type: 'get', key };
  if (roll < 70) return { type: 'put', key, value };
  if (roll < 80) return { type: 'delete', key };
  const recent = written.slice(-3);
  const expected = recent.length === 0 || random.chance(0.1) ? null : recent[random.nextInt(recent.length)]!;
  return { type: 'cas', key, expected, value };
}

/** Plans who does what when: each process runs one operation at a time, with random durations. */
function planOperations(random: SeededPrng): PlannedOperation[] {
  const freeAt = new Array<number>(processCount).fill(0);
  const writtenByKey = new Map<string, string[]>(keys.map((key) => [key, []]));
  const planned: PlannedOperation[] = [];
  for (let i = 0; i < operationCount; i += 1) {
    const process = freeAt.indexOf(Math.min(...freeAt));
    const invokedAt = freeAt[process]! + random.nextInt(4);
    const completedAt = invokedAt + 1 + random.nextInt(20);
    const key = keys[random.nextInt(keys.length)]!;
    const written = writtenByKey.get(key)!;
    const input = drawInput(random, key, `p${process}-${i}`, written);
    if (input.type === 'put' || input.type === 'cas') written.push(input.value);
    const roll = random.nextInt(100);
    const base = { process: `p${process}`, input, invokedAt, completedAt };
    if (roll < 2) {
      // Unknown: the client gave up at completedAt; the write may land later, or never.
      const effectAt = random.chance(0.5) ? invokedAt + random.nextFloat() * 60 : undefined;
      planned.push({ operation: { ...base, outcome: { status: 'unknown' } }, effectAt });
    } else if (roll < 3) {
      planned.push({ operation: { ...base, outcome: { status: 'failed' } }, effectAt: undefined });
    } else {
      const effectAt = invokedAt + random.nextFloat() * (completedAt - invokedAt);
      planned.push({ operation: { ...base, outcome: { status: 'ok', result: null } }, effectAt });
    }
    freeAt[process] = completedAt;
  }
  return planned;
}

/** Applies the effects in time order to a real register per key and records what each call returned. */
function generateHistory(seedValue: number): KvOperation[] {
  const planned = planOperations(new SeededPrng(seedValue));
  const effects = planned
    .map((entry, index) => ({ ...entry, index }))
    .filter((entry) => entry.effectAt !== undefined)
    .sort((x, y) => x.effectAt! - y.effectAt! || x.index - y.index);
  const registers = new Map<string, string | null>();
  const history = planned.map((entry) => entry.operation);
  for (const { operation, index } of effects) {
    const { input } = operation;
    const current = registers.get(input.key) ?? null;
    let result: string | boolean | null = null;
    if (input.type === 'get') result = current;
    if (input.type === 'put') registers.set(input.key, input.value);
    if (input.type === 'delete') registers.set(input.key, null);
    if (input.type === 'cas') {
      result = current === input.expected;
      if (result) registers.set(input.key, input.value);
    }
    if (operation.outcome.status === 'ok')
      history[index] = { ...operation, outcome: { status: 'ok', result } };
  }
  return history;
}

const isOkPut = (operation: KvOperation): boolean =>
  operation.outcome.status === 'ok' && operation.input.type === 'put';

/**
 * Plants a stale read: a get that began after put P2 completed, which itself began after put P1
 * completed, now returns P1's value. Values are unique, so no linearization can explain it.
 */
function plantStaleRead(history: KvOperation[]): { corrupted: KvOperation[]; getIndex: number } {
  for (let getIndex = history.length / 2; getIndex < history.length; getIndex += 1) {
    const read = history[getIndex]!;
    if (read.input.type !== 'get' || read.outcome.status !== 'ok') continue;
    const second = history.findLast(
      (operation) =>
        isOkPut(operation) &&
        operation.input.key === read.input.key &&
        operation.completedAt! < read.invokedAt,
    );
    if (second === undefined) continue;
    const first = history.findLast(
      (operation) =>
        isOkPut(operation) &&
        operation.input.key === read.input.key &&
        operation.completedAt! < second.invokedAt,
    );
    if (first === undefined || first.input.type !== 'put') continue;
    const corrupted = [...history];
    corrupted[getIndex] = { ...read, outcome: { status: 'ok', result: first.input.value } };
    return { corrupted, getIndex };
  }
  throw new Error('no get to corrupt');
}

describe(`generated ${operationCount}-operation KV history (seed ${seed})`, () => {
  const history = generateHistory(seed);

  it('has the shape the test needs: many keys, 8+ processes, overlaps, unknown outcomes', () => {
    console.log(`linearizability generated history seed ${seed}`);
    expect(history).toHaveLength(operationCount);
    expect(new Set(history.map((operation) => operation.process)).size).toBeGreaterThanOrEqual(8);
    expect(history.filter((operation) => operation.outcome.status === 'unknown').length).toBeGreaterThan(50);
    const byInvocation = [...history].sort((x, y) => x.invokedAt - y.invokedAt);
    const overlapping = byInvocation.filter((operation, index) => {
      const next = byInvocation[index + 1];
      return next !== undefined && next.invokedAt < operation.completedAt!;
    });
    expect(overlapping.length).toBeGreaterThan(operationCount / 2);
    const successfulCas = history.filter(
      (operation) =>
        operation.input.type === 'cas' &&
        operation.outcome.status === 'ok' &&
        operation.outcome.result === true,
    );
    expect(successfulCas.length).toBeGreaterThan(50);
  });

  it('is linearizable, decided within the default step budget', () => {
    const started = performance.now();
    const verdict = checkLinearizability(kvModel, history);
    const elapsedMs = (performance.now() - started).toFixed(0);
    console.log(`checked ${operationCount} operations in ${elapsedMs} ms:`, JSON.stringify(verdict));
    expect(verdict).toMatchObject({ result: 'linearizable', stats: { partitions: keys.length } });
    if (verdict.result === 'linearizable') expect(verdict.stats.steps).toBeLessThan(1_000_000);
  });

  it('catches one planted stale read and shrinks it to a few operations', () => {
    const { corrupted, getIndex } = plantStaleRead(history);
    const started = performance.now();
    const verdict = checkLinearizability(kvModel, corrupted);
    const elapsedMs = (performance.now() - started).toFixed(0);
    if (verdict.result !== 'not-linearizable') throw new Error(`expected a violation, got ${verdict.result}`);
    const { stats, counterExample } = verdict;
    console.log(
      `found the planted stale read in ${elapsedMs} ms (${stats.steps} search steps, ${counterExample.shrinkSteps} shrink steps)`,
    );
    console.log(counterExample.text);
    expect(verdict.key).toBe(corrupted[getIndex]!.input.key);
    expect(verdict.counterExample.culprit.historyIndex).toBe(getIndex);
    expect(verdict.counterExample.shrinkComplete).toBe(true);
    expect(verdict.counterExample.operations.length).toBeLessThanOrEqual(4);
    expect(verdict.counterExample.explanation).toMatch(/^get returned ".*", but .* had already written/);
  });

  it('says unknown, not a verdict, when the budget is too small for the history', () => {
    const { corrupted } = plantStaleRead(history);
    for (const candidate of [history, corrupted]) {
      const verdict = checkLinearizability(kvModel, candidate, { maxSteps: 2_000 });
      expect(verdict).toMatchObject({ result: 'unknown', reason: 'budget-exhausted' });
    }
  });
});
