// The checker on hand-written KV histories: good ones pass; stale reads, lost writes, phantom values, CAS
// anomalies fail with a small explained counter-example; unknown outcomes, bad input, budgets behave.
import { describe, expect, it } from 'vitest';
import {
  checkLinearizability,
  type KvInput,
  type KvOperation,
  type KvResult,
  kvModel,
} from '../src/linearizability/index.js';

type Span = readonly [invokedAt: number, completedAt: number];

const ok = (
  process: string,
  [invokedAt, completedAt]: Span,
  input: KvInput,
  result: KvResult = null,
): KvOperation => ({
  process,
  input,
  invokedAt,
  completedAt,
  outcome: { status: 'ok', result },
});
const unknown = (process: string, invokedAt: number, input: KvInput): KvOperation => ({
  process,
  input,
  invokedAt,
  outcome: { status: 'unknown' },
});
const failed = (process: string, [invokedAt, completedAt]: Span, input: KvInput): KvOperation => ({
  process,
  input,
  invokedAt,
  completedAt,
  outcome: { status: 'failed' },
});

const put = (value: string, key = 'k'): KvInput => ({ type: 'put', key, value });
const get = (key = 'k'): KvInput => ({ type: 'get', key });
const del = (key = 'k'): KvInput => ({ type: 'delete', key });
const cas = (expected: string | null, value: string, key = 'k'): KvInput => ({
  type: 'cas',
  key,
  expected,
  value,
});

const check = (history: KvOperation[], maxSteps?: number) =>
  checkLinearizability(kvModel, history, maxSteps === undefined ? {} : { maxSteps });

function expectViolation(history: KvOperation[]) {
  const verdict = check(history);
  if (verdict.result !== 'not-linearizable') throw new Error(`expected a violation, got ${verdict.result}`);
  return verdict;
}

describe('known-good KV histories are linearizable', () => {
  it('accepts an empty history and a read of an absent key', () => {
    expect(check([]).result).toBe('linearizable');
    expect(check([ok('p1', [0, 1], get(), null)]).result).toBe('linearizable');
  });

  it('accepts sequential put, get, delete, get', () => {
    const history = [
      ok('p1', [0, 1], put('a')),
      ok('p2', [2, 3], get(), 'a'),
      ok('p1', [4, 5], del()),
      ok('p2', [6, 7], get(), null),
    ];
    expect(check(history).result).toBe('linearizable');
  });

  it('lets a read concurrent with a write see either the old or the new value', () => {
    const base = [ok('p1', [0, 1], put('a')), ok('p2', [2, 10], put('b'))];
    expect(check([...base, ok('p3', [3, 4], get(), 'a')]).result).toBe('linearizable');
    expect(check([...base, ok('p3', [3, 4], get(), 'b')]).result).toBe('linearizable');
  });

  it('orders concurrent writes by what the reads saw, even against invocation order', () => {
    const history = [
      ok('p1', [0, 10], put('a')),
      ok('p2', [1, 10], put('b')),
      ok('p3', [2, 3], get(), 'b'),
      ok('p4', [4, 5], get(), 'a'),
      ok('p5', [11, 12], get(), 'a'),
    ];
    expect(check(history).result).toBe('linearizable');
  });

  it('treats operations touching at one instant as concurrent', () => {
    const history = [ok('p1', [0, 5], put('a')), ok('p2', [5, 6], put('b')), ok('p3', [0, 5], get(), 'b')];
    expect(check(history).result).toBe('linearizable');
  });

  it('accepts concurrent compare-and-sets of which exactly one succeeds', () => {
    const history = [
      ok('p1', [0, 1], put('a')),
      ok('p2', [2, 6], cas('a', 'b'), true),
      ok('p3', [3, 7], cas('a', 'c'), false),
      ok('p4', [8, 9], get(), 'b'),
    ];
    expect(check(history).result).toBe('linearizable');
  });

  it('accepts a create-if-absent compare-and-set on an absent key', () => {
    const history = [ok('p1', [0, 1], cas(null, 'a'), true), ok('p2', [2, 3], cas(null, 'b'), false)];
    expect(check(history).result).toBe('linearizable');
  });
});

describe('anomalies are not linearizable, with a small explained counter-example', () => {
  it('catches a stale read after a completed overwrite', () => {
    const verdict = expectViolation([
      ok('p1', [0, 1], put('a')),
      ok('p2', [2, 3], put('b')),
      ok('p3', [4, 5], get(), 'a'),
    ]);
    expect(verdict.key).toBe('k');
    const { counterExample } = verdict;
    expect(counterExample.operations.map((entry) => entry.historyIndex)).toEqual([1, 2]);
    expect(counterExample.fromAnyState).toBe(true);
    expect(counterExample.culprit.historyIndex).toBe(2);
    expect(counterExample.explanation).toBe(
      'get returned "a", but put by p2, which completed at 3 before it began at 4, had already written "b"',
    );
    console.log(counterExample.text);
    expect(counterExample.text).toContain('p3');
    expect(counterExample.text).toContain('get → "a"');
  });

  it('catches a lost write: an acknowledged put no later read sees, while later reads see an older value', () => {
    const verdict = expectViolation([
      ok('p1', [0, 1], put('old')),
      ok('p2', [2, 3], put('acknowledged')),
      ok('p3', [4, 5], get(), 'old'),
      ok('p4', [6, 7], get(), 'old'),
      ok('p1', [8, 9], get(), 'old'),
    ]);
    const kept = verdict.counterExample.operations.map((entry) => entry.operation.input);
    expect(kept).toContainEqual(put('acknowledged'));
    expect(verdict.counterExample.operations).toHaveLength(2);
    expect(verdict.counterExample.explanation).toMatch(/had already written "acknowledged"/);
  });

  it('catches a read of a value nobody ever wrote', () => {
    const verdict = expectViolation([ok('p1', [0, 1], put('a')), ok('p2', [2, 3], get(), 'ghost')]);
    expect(verdict.counterExample.explanation).toBe(
      'get returned "ghost", but no put or cas on this key ever wrote "ghost"',
    );
    const alone = expectViolation([ok('p1', [0, 1], get(), 'ghost')]);
    expect(alone.counterExample.fromAnyState).toBe(false);
  });

  it('catches a read that sees a deleted value come back', () => {
    const verdict = expectViolation([
      ok('p1', [0, 1], put('a')),
      ok('p2', [2, 3], del()),
      ok('p3', [4, 5], get(), 'a'),
    ]);
    expect(verdict.counterExample.explanation).toMatch(/delete by p2, .* had already written <absent>/);
  });

  it('catches a read of a value before the write was invoked (a read from the future)', () => {
    expectViolation([ok('p1', [0, 1], get(), 'a'), ok('p2', [2, 3], put('a'))]);
  });

  it('catches a compare-and-set that succeeded against a value already overwritten', () => {
    const verdict = expectViolation([
      ok('p1', [0, 1], put('a')),
      ok('p2', [2, 3], put('b')),
      ok('p3', [4, 5], cas('a', 'c'), true),
    ]);
    expect(verdict.counterExample.explanation).toMatch(/^cas expecting "a" succeeded, but put by p2/);
  });

  it('catches a compare-and-set that failed although the register held the expected value', () => {
    const verdict = expectViolation([ok('p1', [0, 1], put('a')), ok('p2', [2, 3], cas('a', 'c'), false)]);
    expect(verdict.counterExample.explanation).toMatch(/^cas expecting "a" failed, but put by p1/);
  });

  it('catches two concurrent compare-and-sets from one expected value that both succeed', () => {
    const verdict = expectViolation([
      ok('p1', [0, 1], put('a')),
      ok('p2', [2, 6], cas('a', 'b'), true),
      ok('p3', [3, 7], cas('a', 'c'), true),
    ]);
    expect(verdict.counterExample.operations.length).toBeLessThanOrEqual(3);
  });

  it('keeps the counter-example small inside a long noisy history', () => {
    const history: KvOperation[] = [];
    for (let i = 0; i < 40; i += 1) {
      history.push(ok('p1', [10 * i, 10 * i + 4], put(`v${i}`)));
      history.push(ok('p2', [10 * i + 5, 10 * i + 6], get(), `v${i}`));
      history.push(ok('p3', [10 * i + 2, 10 * i + 8], get(), i === 0 ? null : `v${i - 1}`));
    }
    expect(check(history).result).toBe('linearizable');
    history.push(ok('p4', [10 * 22 + 5, 10 * 22 + 6], get(), 'v20'));
    const verdict = expectViolation(history);
    expect(verdict.counterExample.operations.length).toBeLessThanOrEqual(3);
    console.log(verdict.counterExample.text);
    const processes = verdict.counterExample.operations.map((entry) => entry.operation.process);
    expect(processes).toContain('p4');
  });

  it('reports the key that breaks, checking each key on its own', () => {
    const verdict = expectViolation([
      ok('p1', [0, 1], put('a', 'x')),
      ok('p2', [0, 1], put('a', 'y')),
      ok('p1', [2, 3], get('x'), 'a'),
      ok('p2', [2, 3], get('y'), null),
    ]);
    expect(verdict.key).toBe('y');
    expect(verdict.stats.partitions).toBe(2);
  });
});

describe('operations with an unknown outcome may or may not take effect', () => {
  it('allows an unknown put to take effect, even after the client gave up on it', () => {
    const history = [
      ok('p1', [0, 1], put('a')),
      { ...unknown('p2', 2, put('b')), completedAt: 3 },
      ok('p3', [5, 6], get(), 'a'),
      ok('p3', [10, 11], get(), 'b'),
    ];
    expect(check(history).result).toBe('linearizable');
  });

  it('allows an unknown put never to take effect', () => {
    const history = [ok('p1', [0, 1], put('a')), unknown('p2', 2, put('b')), ok('p3', [10, 11], get(), 'a')];
    expect(check(history).result).toBe('linearizable');
  });

  it('allows an unknown compare-and-set to explain a later read', () => {
    const history = [
      ok('p1', [0, 1], put('a')),
      unknown('p2', 2, cas('a', 'b')),
      ok('p3', [10, 11], get(), 'b'),
    ];
    expect(check(history).result).toBe('linearizable');
  });

  it('does not let an unknown put take effect before it was invoked', () => {
    expectViolation([ok('p1', [0, 1], put('a')), ok('p2', [2, 3], get(), 'b'), unknown('p3', 5, put('b'))]);
  });

  it('does not let an unknown put take effect twice', () => {
    expectViolation([
      ok('p1', [0, 1], put('a')),
      unknown('p2', 2, put('b')),
      ok('p3', [3, 4], get(), 'b'),
      ok('p1', [5, 6], put('c')),
      ok('p3', [7, 8], get(), 'b'),
    ]);
  });

  it('leaves failed operations out: they definitely did not take effect', () => {
    const base = [ok('p1', [0, 1], put('a')), failed('p2', [2, 3], put('b'))];
    expect(check([...base, ok('p3', [4, 5], get(), 'a')]).result).toBe('linearizable');
    const verdict = expectViolation([...base, ok('p3', [4, 5], get(), 'b')]);
    expect(verdict.counterExample.explanation).toMatch(/no put or cas on this key ever wrote "b"/);
  });
});

describe('bad input and budgets give typed answers, never a false verdict', () => {
  it('names the malformed operation instead of crashing', () => {
    const good = ok('p1', [0, 1], put('a'));
    const cases: [unknown, RegExp][] = [
      [{ ...good, completedAt: -1 }, /before invokedAt/],
      [{ ...good, completedAt: undefined }, /needs completedAt/],
      [{ ...good, input: { type: 'append', key: 'k' } }, /unknown operation type/],
      [ok('p1', [0, 1], get(), 7 as unknown as string), /string or null result/],
      [{ ...good, outcome: { status: 'maybe' } }, /outcome.status/],
      [null, /not an object/],
    ];
    for (const [operation, reason] of cases) {
      const verdict = checkLinearizability(kvModel, [good, operation as KvOperation]);
      expect(verdict).toMatchObject({ result: 'invalid-history', operationIndex: 1 });
      if (verdict.result === 'invalid-history') expect(verdict.reason).toMatch(reason);
    }
  });

  it('answers unknown, not a verdict, when the step budget runs out', () => {
    const history = [ok('p1', [0, 1], put('a')), ok('p2', [2, 3], get(), 'ghost')];
    expect(check(history, 1)).toMatchObject({ result: 'unknown', reason: 'budget-exhausted', key: 'k' });
    expect(check(history).result).toBe('not-linearizable');
  });

  it('answers unknown when an injected clock passes the time budget', () => {
    const history: KvOperation[] = [];
    for (let i = 0; i < 10_000; i += 1) history.push(ok(`p${i % 7}`, [i, i + 5], put(`v${i}`)));
    let clock = 0;
    const verdict = checkLinearizability(kvModel, history, { now: () => clock++, timeBudget: 1 });
    expect(verdict).toMatchObject({ result: 'unknown', reason: 'budget-exhausted' });
    expect(checkLinearizability(kvModel, history).result).toBe('linearizable');
  });
});
