// Semantics of each KV command through KvStateMachine.apply: put/get/delete with etcd revisions,
// compare-and-swap, transactions, range and prefix scans, limits, no-ops and malformed bytes.
import { describe, expect, it } from 'vitest';
import { defaultKvLimits, type KvLimits, prefixRange } from '../src/index.js';
import { errorCode, Harness, okResult, string, text } from './harness.js';

describe('put, get and delete', () => {
  it('put creates a key at a new store revision with version 1', () => {
    const harness = new Harness();
    const result = harness.run({ type: 'put', key: text('a'), value: text('1') });
    expect(result).toEqual({ ok: true, revision: 1, result: { type: 'put', previous: null } });
    const got = okResult(harness.run({ type: 'get', key: text('a') }));
    expect(got).toMatchObject({
      type: 'get',
      keyValue: { key: text('a'), value: text('1'), createRevision: 1, modRevision: 1, version: 1 },
    });
  });

  it('each put bumps the store revision once; version counts puts; createRevision stays', () => {
    const harness = new Harness();
    harness.run({ type: 'put', key: text('a'), value: text('1') });
    harness.run({ type: 'put', key: text('b'), value: text('x') });
    const second = harness.run({ type: 'put', key: text('a'), value: text('2'), returnPrevious: true });
    expect(second.revision).toBe(3);
    expect(okResult(second)).toMatchObject({ previous: { value: text('1'), version: 1, modRevision: 1 } });
    expect(okResult(harness.run({ type: 'get', key: text('a') }))).toMatchObject({
      keyValue: { value: text('2'), createRevision: 1, modRevision: 3, version: 2 },
    });
  });

  it('get of a missing key returns null and does not bump the revision', () => {
    const harness = new Harness();
    harness.run({ type: 'put', key: text('a'), value: text('1') });
    expect(harness.run({ type: 'get', key: text('zz') })).toEqual({
      ok: true,
      revision: 1,
      result: { type: 'get', keyValue: null },
    });
  });

  it('delete removes the key and resets its version; re-creating starts at version 1', () => {
    const harness = new Harness();
    harness.run({ type: 'put', key: text('a'), value: text('1') });
    harness.run({ type: 'put', key: text('a'), value: text('2') });
    const deleted = harness.run({ type: 'delete', key: text('a'), returnPrevious: true });
    expect(deleted.revision).toBe(3);
    expect(okResult(deleted)).toMatchObject({ type: 'delete', deleted: true, previous: { version: 2 } });
    expect(okResult(harness.run({ type: 'get', key: text('a') }))).toEqual({ type: 'get', keyValue: null });
    harness.run({ type: 'put', key: text('a'), value: text('3') });
    expect(okResult(harness.run({ type: 'get', key: text('a') }))).toMatchObject({
      keyValue: { createRevision: 4, modRevision: 4, version: 1 },
    });
  });

  it('delete of a missing key changes nothing and uses no revision', () => {
    const harness = new Harness();
    harness.run({ type: 'put', key: text('a'), value: text('1') });
    expect(harness.run({ type: 'delete', key: text('nope') })).toEqual({
      ok: true,
      revision: 1,
      result: { type: 'delete', deleted: false, previous: null },
    });
  });

  it('keys and values are arbitrary bytes, including empty values', () => {
    const harness = new Harness();
    const key = new Uint8Array([0, 255, 0]);
    harness.run({ type: 'put', key, value: new Uint8Array(0) });
    expect(okResult(harness.run({ type: 'get', key }))).toMatchObject({
      keyValue: { value: new Uint8Array(0) },
    });
  });
});

describe('compare-and-swap', () => {
  it('succeeds on a matching value and fails on a different one, returning the current key-value', () => {
    const harness = new Harness();
    harness.run({ type: 'put', key: text('a'), value: text('1') });
    const swapped = harness.run({
      type: 'compareAndSwap',
      key: text('a'),
      expected: { target: 'value', value: text('1') },
      value: text('2'),
    });
    expect(swapped).toEqual({
      ok: true,
      revision: 2,
      result: { type: 'compareAndSwap', succeeded: true, current: null },
    });
    const refused = harness.run({
      type: 'compareAndSwap',
      key: text('a'),
      expected: { target: 'value', value: text('1') },
      value: text('3'),
    });
    expect(refused.revision).toBe(2);
    expect(okResult(refused)).toMatchObject({ succeeded: false, current: { value: text('2'), version: 2 } });
    expect(okResult(harness.run({ type: 'get', key: text('a') }))).toMatchObject({
      keyValue: { value: text('2') },
    });
  });

  it('on version 0 creates only a missing key', () => {
    const harness = new Harness();
    const create = {
      type: 'compareAndSwap',
      key: text('lock'),
      expected: { target: 'version', value: 0 },
    } as const;
    expect(okResult(harness.run({ ...create, value: text('me') }))).toMatchObject({ succeeded: true });
    expect(okResult(harness.run({ ...create, value: text('you') }))).toMatchObject({
      succeeded: false,
      current: { value: text('me') },
    });
  });

  it('on modRevision succeeds only if the key was not written since', () => {
    const harness = new Harness();
    harness.run({ type: 'put', key: text('a'), value: text('1') });
    harness.run({ type: 'put', key: text('a'), value: text('2') });
    const swap = (modRevision: number) =>
      okResult(
        harness.run({
          type: 'compareAndSwap',
          key: text('a'),
          expected: { target: 'modRevision', value: modRevision },
          value: text('3'),
        }),
      );
    expect(swap(1)).toMatchObject({ succeeded: false, current: { modRevision: 2 } });
    expect(swap(2)).toMatchObject({ succeeded: true });
  });

  it('on value fails for a missing key', () => {
    const harness = new Harness();
    const result = harness.run({
      type: 'compareAndSwap',
      key: text('missing'),
      expected: { target: 'value', value: new Uint8Array(0) },
      value: text('x'),
    });
    expect(okResult(result)).toEqual({ type: 'compareAndSwap', succeeded: false, current: null });
  });
});

describe('transaction', () => {
  it('runs the success branch when every compare holds, as one revision', () => {
    const harness = new Harness();
    harness.run({ type: 'put', key: text('a'), value: text('1') });
    const result = harness.run({
      type: 'transaction',
      compares: [
        { key: text('a'), target: 'value', operator: 'equal', value: text('1') },
        { key: text('a'), target: 'version', operator: 'greater', value: 0 },
        { key: text('b'), target: 'createRevision', operator: 'equal', value: 0 },
      ],
      success: [
        { type: 'put', key: text('a'), value: text('2') },
        { type: 'put', key: text('b'), value: text('3') },
        { type: 'get', key: text('b') },
        { type: 'range', start: text('a'), end: null, limit: 10 },
      ],
      failure: [{ type: 'delete', key: text('a') }],
    });
    expect(result.revision).toBe(2);
    const transaction = okResult(result);
    expect(transaction).toMatchObject({ type: 'transaction', succeeded: true });
    if (transaction.type !== 'transaction') throw new Error('not a transaction result');
    // Later operations see earlier writes of the same transaction.
    expect(transaction.results[2]).toMatchObject({ keyValue: { value: text('3'), modRevision: 2 } });
    expect(transaction.results[3]).toMatchObject({ keyValues: [{ modRevision: 2 }, { modRevision: 2 }] });
  });

  it('runs the failure branch when a compare fails, and a read-only branch uses no revision', () => {
    const harness = new Harness();
    harness.run({ type: 'put', key: text('a'), value: text('1') });
    const result = harness.run({
      type: 'transaction',
      compares: [{ key: text('a'), target: 'modRevision', operator: 'less', value: 1 }],
      success: [{ type: 'delete', key: text('a') }],
      failure: [{ type: 'get', key: text('a') }],
    });
    expect(result.revision).toBe(1);
    expect(okResult(result)).toMatchObject({
      succeeded: false,
      results: [{ type: 'get', keyValue: { value: text('1') } }],
    });
  });

  it('compares with every operator on every target', () => {
    const harness = new Harness();
    harness.run({ type: 'put', key: text('a'), value: text('m') });
    const holds = (compare: Parameters<typeof compareWith>[0]) => compareWith(compare, harness);
    expect(holds({ target: 'value', operator: 'less', value: text('n') })).toBe(true);
    expect(holds({ target: 'value', operator: 'greater', value: text('n') })).toBe(false);
    expect(holds({ target: 'value', operator: 'notEqual', value: text('m') })).toBe(false);
    expect(holds({ target: 'version', operator: 'equal', value: 1 })).toBe(true);
    expect(holds({ target: 'createRevision', operator: 'notEqual', value: 1 })).toBe(false);
    expect(holds({ target: 'modRevision', operator: 'greater', value: 0 })).toBe(true);
  });
});

function compareWith(
  compare:
    | { target: 'value'; operator: 'equal' | 'notEqual' | 'less' | 'greater'; value: Uint8Array }
    | {
        target: 'version' | 'createRevision' | 'modRevision';
        operator: 'equal' | 'notEqual' | 'less' | 'greater';
        value: number;
      },
  harness: Harness,
): boolean {
  const result = okResult(
    harness.run({
      type: 'transaction',
      compares: [{ key: text('a'), ...compare }],
      success: [],
      failure: [],
    }),
  );
  if (result.type !== 'transaction') throw new Error('not a transaction result');
  return result.succeeded;
}

describe('range and prefix scans', () => {
  const fill = (harness: Harness) => {
    for (const key of ['app/1', 'app/2', 'app/3', 'apq', 'b', 'ap']) {
      harness.run({ type: 'put', key: text(key), value: text(key) });
    }
  };

  it('returns keys in [start, end) ascending, with `more` when the limit cut it short', () => {
    const harness = new Harness();
    fill(harness);
    const result = okResult(harness.run({ type: 'range', start: text('app/'), end: text('b'), limit: 3 }));
    if (result.type !== 'range') throw new Error('not a range result');
    expect(result.keyValues.map((pair) => string(pair.key))).toEqual(['app/1', 'app/2', 'app/3']);
    expect(result.more).toBe(true);
    const rest = okResult(harness.run({ type: 'range', start: text('app/4'), end: null, limit: 10 }));
    expect(rest).toMatchObject({ more: false, keyValues: [{ key: text('apq') }, { key: text('b') }] });
  });

  it('prefixRange returns exactly the keys under the prefix', () => {
    const harness = new Harness();
    fill(harness);
    const result = okResult(harness.run(prefixRange(text('app/'), 100)));
    if (result.type !== 'range') throw new Error('not a range result');
    expect(result.keyValues.map((pair) => string(pair.key))).toEqual(['app/1', 'app/2', 'app/3']);
    expect(result.more).toBe(false);
  });

  it('an empty prefix scans every user key and never session or metadata records', () => {
    const harness = new Harness();
    fill(harness);
    harness.run(
      { type: 'put', key: text('c'), value: text('c') },
      { clientId: 'c1', sequence: 1, firstUnacknowledgedSequence: 1 },
    );
    const result = okResult(harness.run(prefixRange(new Uint8Array(0), 100)));
    if (result.type !== 'range') throw new Error('not a range result');
    expect(result.keyValues.map((pair) => string(pair.key))).toEqual([
      'ap',
      'app/1',
      'app/2',
      'app/3',
      'apq',
      'b',
      'c',
    ]);
  });
});

describe('limits and bad input', () => {
  const limits: KvLimits = {
    ...defaultKvLimits,
    keyBytesMax: 4,
    valueBytesMax: 8,
    operationsPerTransactionMax: 2,
    rangeLimitMax: 5,
    clientIdBytesMax: 3,
  };

  it('a key, value, range limit, transaction or client id over its limit is a typed error, applying nothing', () => {
    const harness = new Harness(limits);
    expect(errorCode(harness.run({ type: 'put', key: text('12345'), value: text('v') }))).toBe(
      'key-too-large',
    );
    expect(errorCode(harness.run({ type: 'put', key: text('k'), value: text('123456789') }))).toBe(
      'value-too-large',
    );
    expect(errorCode(harness.run({ type: 'range', start: text(''), end: null, limit: 6 }))).toBe(
      'range-limit-too-large',
    );
    expect(
      errorCode(
        harness.run({
          type: 'transaction',
          compares: [{ key: text('k'), target: 'version', operator: 'equal', value: 0 }],
          success: [{ type: 'put', key: text('k'), value: text('v') }],
          failure: [{ type: 'get', key: text('k') }],
        }),
      ),
    ).toBe('too-many-operations');
    expect(
      errorCode(
        harness.run(
          { type: 'put', key: text('k'), value: text('v') },
          { clientId: 'long', sequence: 1, firstUnacknowledgedSequence: 1 },
        ),
      ),
    ).toBe('client-id-too-large');
    expect(harness.machine.currentRevision()).toBe(0);
    expect(okResult(harness.run({ type: 'get', key: text('k') }))).toEqual({ type: 'get', keyValue: null });
  });

  it('values exactly at the limit are accepted', () => {
    const harness = new Harness(limits);
    expect(okResult(harness.run({ type: 'put', key: text('1234'), value: text('12345678') }))).toMatchObject({
      type: 'put',
    });
  });

  it('malformed command bytes yield a malformed-command result on that entry, never a throw', () => {
    const harness = new Harness();
    const results = harness.applyEntries([
      harness.rawEntry(new Uint8Array([0xc1])),
      harness.rawEntry(text('not msgpack at all')),
      harness.rawEntry(new Uint8Array([0x81, 0xa1, 0x78, 0x01])),
      harness.commandEntry({ type: 'put', key: text('ok'), value: text('1') }),
    ]);
    expect(results.slice(0, 3).map(errorCode)).toEqual([
      'malformed-command',
      'malformed-command',
      'malformed-command',
    ]);
    expect(okResult(results[3])).toMatchObject({ type: 'put' });
    expect(harness.machine.appliedIndex()).toBe(5);
  });

  it('applying leaves the entry bytes untouched (no properties added by the decoder)', () => {
    const harness = new Harness();
    const entry = harness.commandEntry({ type: 'put', key: text('k'), value: text('v') });
    if (entry.kind !== 'command') throw new Error('not a command entry');
    const keysBefore = Object.keys(entry.data);
    harness.applyEntries([entry]);
    expect(Object.keys(entry.data)).toEqual(keysBefore);
  });

  it('configuration entries and empty command entries (leader no-ops) yield undefined', () => {
    const harness = new Harness();
    const results = harness.applyEntries([harness.rawEntry(new Uint8Array(0)), harness.configurationEntry()]);
    expect(results).toEqual([undefined, undefined]);
    expect(harness.store.metadata()).toMatchObject({ appliedIndex: 3, appliedTerm: 1 });
  });

  it('query serves get and range against applied state and refuses bad queries with typed errors', () => {
    const harness = new Harness(limits);
    harness.run({ type: 'put', key: text('k'), value: text('v') });
    expect(harness.machine.query({ type: 'get', key: text('k') })).toMatchObject({
      ok: true,
      revision: 1,
      result: { keyValue: { value: text('v') } },
    });
    expect(errorCode(harness.machine.query({ type: 'range', start: text(''), end: null, limit: 99 }))).toBe(
      'range-limit-too-large',
    );
    expect(errorCode(harness.machine.query({ type: 'put' } as never))).toBe('malformed-command');
  });
});
