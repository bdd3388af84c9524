// Exactly-once client sessions (thesis §6.3): retries return the first result without applying again,
// bounded results, expiry by log progress, deterministic LRU eviction, and survival across snapshots.
import { describe, expect, it } from 'vitest';
import { defaultKvLimits, type KvLimits } from '../src/index.js';
import { errorCode, Harness, okResult, session, text } from './harness.js';

const limits: KvLimits = {
  ...defaultKvLimits,
  sessionsMax: 2,
  resultsPerSessionMax: 3,
  sessionExpiryEntries: 5,
};

describe('client sessions', () => {
  it('a retried command returns its first result and is applied only once (§6.3)', () => {
    const harness = new Harness();
    const first = harness.run(
      { type: 'put', key: text('k'), value: text('mine'), returnPrevious: true },
      session('c1', 1),
    );
    harness.run({ type: 'put', key: text('k'), value: text('theirs') });
    const retry = harness.run(
      { type: 'put', key: text('k'), value: text('mine'), returnPrevious: true },
      session('c1', 1),
    );
    expect(retry).toEqual(first);
    expect(harness.machine.currentRevision()).toBe(2);
    expect(okResult(harness.run({ type: 'get', key: text('k') }))).toMatchObject({
      keyValue: { value: text('theirs'), version: 2 },
    });
  });

  it('many commands of one client in flight, applied out of order, each apply once', () => {
    const harness = new Harness();
    const put = (sequence: number) =>
      harness.commandEntry(
        { type: 'put', key: text(`k${sequence}`), value: text(`v${sequence}`) },
        session('c1', sequence),
      );
    const firstResults = harness.applyEntries([put(1), put(3), put(2)]);
    const retries = harness.applyEntries([put(2), put(1), put(3)]);
    expect(retries).toEqual([firstResults[2], firstResults[0], firstResults[1]]);
    expect(harness.machine.currentRevision()).toBe(3);
  });

  it('a command for an unknown session with sequence > 1 is refused as session-expired', () => {
    const harness = new Harness();
    expect(
      errorCode(harness.run({ type: 'put', key: text('k'), value: text('v') }, session('ghost', 2))),
    ).toBe('session-expired');
    expect(harness.machine.currentRevision()).toBe(0);
  });

  it('acknowledged results are forgotten; a stale duplicate below firstUnacknowledgedSequence is refused', () => {
    const harness = new Harness();
    harness.run({ type: 'put', key: text('a'), value: text('1') }, session('c1', 1));
    harness.run({ type: 'put', key: text('b'), value: text('2') }, session('c1', 2, 2));
    expect(errorCode(harness.run({ type: 'put', key: text('a'), value: text('1') }, session('c1', 1)))).toBe(
      'sequence-acknowledged',
    );
    expect(harness.machine.currentRevision()).toBe(2);
  });

  it('a session holding resultsPerSessionMax unacknowledged results refuses new sequences until acknowledged', () => {
    const harness = new Harness(limits);
    for (const sequence of [1, 2, 3]) {
      harness.run({ type: 'put', key: text(`k${sequence}`), value: text('v') }, session('c1', sequence));
    }
    expect(errorCode(harness.run({ type: 'put', key: text('k4'), value: text('v') }, session('c1', 4)))).toBe(
      'session-results-full',
    );
    expect(
      okResult(harness.run({ type: 'put', key: text('k4'), value: text('v') }, session('c1', 4, 3))),
    ).toMatchObject({
      type: 'put',
    });
    // Still remembered (≥ firstUnacknowledgedSequence): the retry does not apply again.
    const revision = harness.machine.currentRevision();
    harness.run({ type: 'put', key: text('k3'), value: text('v') }, session('c1', 3, 3));
    expect(harness.machine.currentRevision()).toBe(revision);
  });

  it('acknowledging a few or many sequences at once frees exactly the results they held', () => {
    const harness = new Harness({ ...limits, resultsPerSessionMax: 20 });
    const put = (sequence: number, firstUnacknowledged = 1) =>
      harness.run(
        { type: 'put', key: text(`k${sequence}`), value: text('v') },
        session('c1', sequence, firstUnacknowledged),
      );
    for (let sequence = 1; sequence <= 10; sequence += 1) put(sequence);
    harness.run({ type: 'get', key: text('k1') }, session('c1', 11)); // a read holds no result
    for (let sequence = 12; sequence <= 21; sequence += 1) put(sequence);
    expect(errorCode(put(22))).toBe('session-results-full');
    // A small step (sequences 1..3) frees three results; 17 + 1 = 18 held.
    expect(okResult(put(22, 4))).toMatchObject({ type: 'put' });
    // 4..11 holds seven results and one read: 18 - 7 + 1 = 12 held, room for exactly eight more.
    expect(okResult(put(23, 12))).toMatchObject({ type: 'put' });
    for (let sequence = 24; sequence <= 31; sequence += 1) expect(okResult(put(sequence, 12))).toBeDefined();
    expect(errorCode(put(32, 12))).toBe('session-results-full');
    // A long step (12..31, twenty results) frees them all.
    expect(okResult(put(32, 32))).toMatchObject({ type: 'put' });
    for (let sequence = 33; sequence <= 51; sequence += 1) expect(okResult(put(sequence, 32))).toBeDefined();
    expect(errorCode(put(52, 32))).toBe('session-results-full');
  });

  it('a retried write that changed nothing the first time replies its first result, never runs again', () => {
    // A compare-and-swap that failed (or a delete of an absent key) changed no key, yet its retry must
    // not be re-evaluated: the state may since have changed so that it would now write (§6.3).
    const harness = new Harness();
    harness.run({ type: 'put', key: text('k'), value: text('old') }, session('c1', 1));
    const cas = {
      type: 'compareAndSwap',
      key: text('k'),
      expected: { target: 'version', value: 0 },
      value: text('mine'),
    } as const;
    const first = harness.run(cas, session('c1', 2));
    expect(okResult(first)).toMatchObject({ type: 'compareAndSwap', succeeded: false });
    harness.run({ type: 'delete', key: text('k') }, session('c1', 3, 2));
    const deleteAbsent = { type: 'delete', key: text('gone') } as const;
    const firstDelete = harness.run(deleteAbsent, session('c1', 4, 2));
    harness.run({ type: 'put', key: text('gone'), value: text('theirs') });
    expect(harness.run(cas, session('c1', 2, 2))).toEqual(first);
    expect(harness.run(deleteAbsent, session('c1', 4, 2))).toEqual(firstDelete);
    expect(okResult(harness.run({ type: 'get', key: text('k') }))).toMatchObject({ keyValue: null });
    expect(okResult(harness.run({ type: 'get', key: text('gone') }))).toMatchObject({
      keyValue: { value: text('theirs') },
    });
  });

  it('reads through the log do not use result slots and are re-evaluated on retry', () => {
    const harness = new Harness({ ...limits, resultsPerSessionMax: 1 });
    harness.run({ type: 'get', key: text('k') }, session('c1', 1));
    harness.run({ type: 'put', key: text('k'), value: text('v') });
    expect(okResult(harness.run({ type: 'get', key: text('k') }, session('c1', 1)))).toMatchObject({
      keyValue: { value: text('v') },
    });
    expect(
      okResult(harness.run({ type: 'put', key: text('x'), value: text('1') }, session('c1', 2))),
    ).toMatchObject({
      type: 'put',
    });
  });

  it('a session unused for sessionExpiryEntries applied entries expires, counted in log entries (§6.3)', () => {
    const alive = new Harness(limits);
    alive.run({ type: 'put', key: text('a'), value: text('1') }, session('c1', 1));
    alive.advance(4);
    expect(alive.run({ type: 'put', key: text('b'), value: text('2') }, session('c1', 2)).ok).toBe(true);

    const expired = new Harness(limits);
    expired.run({ type: 'put', key: text('a'), value: text('1') }, session('c1', 1));
    expired.advance(5);
    expect(errorCode(expired.run({ type: 'put', key: text('b'), value: text('2') }, session('c1', 2)))).toBe(
      'session-expired',
    );
  });

  it('expiry gives the same results however the log is cut into apply batches', () => {
    const entriesFor = (harness: Harness) => [
      harness.commandEntry({ type: 'put', key: text('a'), value: text('1') }, session('c1', 1)),
      ...Array.from({ length: 5 }, () => harness.rawEntry(new Uint8Array(0))),
      harness.commandEntry({ type: 'put', key: text('b'), value: text('2') }, session('c1', 2)),
      harness.commandEntry({ type: 'put', key: text('c'), value: text('3') }, session('c2', 1)),
    ];
    const oneBatch = new Harness(limits);
    const together = oneBatch.applyEntries(entriesFor(oneBatch));
    const oneByOne = new Harness(limits);
    const separately = entriesFor(oneByOne).flatMap((entry) => oneByOne.applyEntries([entry]));
    expect(separately).toEqual(together);
    expect(errorCode(together[6])).toBe('session-expired');
    expect(oneByOne.dump()).toEqual(oneBatch.dump());
  });

  it('a full session table evicts the least recently used session', () => {
    const harness = new Harness({ ...limits, sessionExpiryEntries: 1000 });
    harness.run({ type: 'put', key: text('a'), value: text('1') }, session('a', 1));
    harness.run({ type: 'put', key: text('b'), value: text('1') }, session('b', 1));
    harness.run({ type: 'put', key: text('a'), value: text('2') }, session('a', 2));
    harness.run({ type: 'put', key: text('c'), value: text('1') }, session('c', 1));
    expect(errorCode(harness.run({ type: 'put', key: text('b'), value: text('2') }, session('b', 2)))).toBe(
      'session-expired',
    );
    expect(harness.run({ type: 'put', key: text('a'), value: text('3') }, session('a', 3)).ok).toBe(true);
  });

  it('sessions survive snapshot and restore: a retry after restore still returns the first result', () => {
    const source = new Harness();
    const first = source.run(
      { type: 'put', key: text('k'), value: text('v'), returnPrevious: true },
      session('c1', 1),
    );
    source.run({ type: 'put', key: text('k'), value: text('w') });
    const target = new Harness();
    target.restore(source.snapshot());
    expect(target.dump()).toEqual(source.dump());
    const retry = target.run({ type: 'put', key: text('k'), value: text('v') }, session('c1', 1));
    expect(retry).toEqual(first);
    expect(target.machine.currentRevision()).toBe(2);
  });
});
