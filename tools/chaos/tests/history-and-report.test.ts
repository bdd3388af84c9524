// The history recorder, the lost-write definition, the report's phase counts, gaps and anomalies,
// and the timeline page.
import type { KvInput, KvResult, Outcome } from '@raftkv/sim';
import { describe, expect, it } from 'vitest';
import type { FaultEvent } from '../src/fault-executor.js';
import { HistoryRecorder, type RecordedOperation, toCheckerHistory } from '../src/history-recorder.js';
import { findLostWrites } from '../src/lost-writes.js';
import {
  buildReport,
  formatReport,
  longestGap,
  percentile,
  phaseOf,
  type ReportInput,
  throttleRecoveries,
} from '../src/report.js';
import { renderTimeline } from '../src/timeline.js';

const op = (
  process: string,
  input: KvInput,
  invokedAt: number,
  completedAt: number,
  outcome: Outcome<KvResult>,
): RecordedOperation => ({
  process,
  input,
  invokedAt,
  completedAt,
  outcome,
  error: outcome.status === 'ok' ? null : 'x',
});
const ok = (result: KvResult): Outcome<KvResult> => ({ status: 'ok', result });
const unknown: Outcome<KvResult> = { status: 'unknown' };

describe('HistoryRecorder', () => {
  it('records invocation and completion on its clock and leaves unknown completions out of the checker history', () => {
    let clock = 10;
    const recorder = new HistoryRecorder(() => clock);
    const complete = recorder.invoke('c1', { type: 'put', key: 'k', value: 'v' });
    clock = 25;
    complete(unknown, 'outcome-unknown');
    expect(recorder.operations[0]).toMatchObject({
      invokedAt: 10,
      completedAt: 25,
      error: 'outcome-unknown',
    });
    const [checked] = toCheckerHistory(recorder.operations);
    expect(checked).toEqual({
      process: 'c1',
      input: { type: 'put', key: 'k', value: 'v' },
      invokedAt: 10,
      outcome: unknown,
    });
  });
});

describe('findLostWrites', () => {
  it('finds an acknowledged put that the final read does not show, though it followed the final value’s writer', () => {
    const history = [
      op('c1', { type: 'put', key: 'k', value: 'a' }, 0, 5, ok(null)),
      op('c2', { type: 'put', key: 'k', value: 'b' }, 10, 15, ok(null)),
    ];
    const lost = findLostWrites(history, new Map([['k', 'a']]));
    expect(lost).toHaveLength(1);
    expect(lost[0]?.write?.input).toMatchObject({ value: 'b' });
  });

  it('does not count a write overwritten by a concurrent or unknown write', () => {
    const history = [
      op('c1', { type: 'put', key: 'k', value: 'a' }, 0, 20, ok(null)),
      op('c2', { type: 'put', key: 'k', value: 'b' }, 10, 15, ok(null)),
      op('c3', { type: 'cas', key: 'k', expected: 'b', value: 'c' }, 30, 40, unknown),
      op('c4', { type: 'put', key: 'k', value: 'd' }, 31, 35, ok(null)),
    ];
    expect(findLostWrites(history, new Map([['k', 'c']]))).toEqual([]);
    expect(findLostWrites(history.slice(0, 2), new Map([['k', 'a']]))).toEqual([]);
  });

  it('counts every acknowledged write to a key that ends absent with no delete, and flags a phantom value', () => {
    const history = [op('c1', { type: 'put', key: 'k', value: 'a' }, 0, 5, ok(null))];
    expect(findLostWrites(history, new Map([['k', null]]))).toHaveLength(1);
    const phantom = findLostWrites([], new Map([['k', 'zzz']]));
    expect(phantom).toEqual([expect.objectContaining({ key: 'k', write: null })]);
  });

  it('does not count a failed cas as a write', () => {
    const history = [
      op('c1', { type: 'put', key: 'k', value: 'a' }, 0, 5, ok(null)),
      op('c2', { type: 'cas', key: 'k', expected: 'x', value: 'b' }, 10, 15, ok(false)),
    ];
    expect(findLostWrites(history, new Map([['k', 'a']]))).toEqual([]);
  });
});

const fault = (startedAt: number, endedAt: number): FaultEvent => ({
  kind: 'kill-leader',
  family: 'kill',
  startedAt,
  endedAt,
  targets: ['n1'],
  detail: 'SIGKILL n1',
});

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    seed: 1,
    nodes: 3,
    clients: 2,
    electionTimeoutMs: 1000,
    runStartedAt: 0,
    healedAt: 3000,
    runEndedAt: 4000,
    operations: [
      op('c1', { type: 'put', key: 'k', value: 'a' }, 0, 10, ok(null)),
      op('c1', { type: 'get', key: 'k' }, 1100, 1900, { status: 'failed' }),
      op('c2', { type: 'put', key: 'k', value: 'b' }, 1200, 2100, unknown),
      op('c1', { type: 'get', key: 'k' }, 2500, 2520, ok('a')),
      op('c1', { type: 'get', key: 'k' }, 3100, 3110, ok('a')),
    ],
    faults: [fault(1000, 2000)],
    leaderChanges: [{ at: 0, leaderId: 'n1', term: 1 }],
    check: { result: 'linearizable', detail: '', steps: 10, elapsedMs: 1 },
    lostWrites: [],
    convergence: { converged: true, nodes: [], detail: 'same' },
    crashes: [],
    sourcesChanged: [],
    ...overrides,
  };
}

describe('report', () => {
  it('puts each operation in the phase its invocation falls in', () => {
    const faults = [fault(1000, 2000)];
    expect(phaseOf(500, faults, 3000)).toBe('before');
    expect(phaseOf(1500, faults, 3000)).toBe('during');
    expect(phaseOf(2500, faults, 3000)).toBe('between');
    expect(phaseOf(3000, faults, 3000)).toBe('after');
    const report = buildReport(input());
    expect(report.byPhase).toEqual({
      before: { ok: 1, failed: 0, unknown: 0 },
      during: { ok: 0, failed: 1, unknown: 1 },
      between: { ok: 1, failed: 0, unknown: 0 },
      after: { ok: 1, failed: 0, unknown: 0 },
    });
  });

  it('measures the longest stretch without a success and the recovery after a fault', () => {
    expect(longestGap([10, 2520, 3110], 0, 3110)).toEqual({ ms: 2510, from: 10, to: 2520 });
    const report = buildReport(input());
    expect(report.longestUnavailability.ms).toBe(2510);
    expect(report.faultRecoveryMs.max).toBe(520);
    expect(report.healToFirstSuccessMs).toBe(110);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
  });

  it('reports a run of 300,000 operations (more than a call takes arguments)', () => {
    const operations = Array.from({ length: 300_000 }, (_, index) =>
      op('c1', { type: 'get', key: 'k' }, index / 100, index / 100 + 5, ok(null)),
    );
    const report = buildReport(input({ operations, healedAt: 2000, runEndedAt: 3100 }));
    expect(report.faultRecoveryMs.max).toBe(5);
    expect(report.byPhase.after.ok).toBe(300_000 - 200_000);
  });

  it('passes a clean run and fails on each anomaly, naming it', () => {
    expect(buildReport(input()).anomalies).toEqual([]);
    expect(formatReport(buildReport(input()))).toMatch(/verdict: PASS$/);
    const bad = buildReport(
      input({
        check: { result: 'unknown', detail: 'budget', steps: 1, elapsedMs: 1 },
        lostWrites: [{ key: 'k', write: null, finalValue: 'z', reason: 'phantom' }],
        convergence: { converged: false, nodes: [], detail: 'n2 behind' },
        crashes: ['n2 exited with 1'],
        sourcesChanged: ['packages/kv/src/kv-state-machine.ts'],
      }),
    );
    expect(bad.anomalies).toEqual([
      'linearizability: unknown',
      '1 acknowledged writes lost',
      'nodes did not converge: n2 behind',
      'node crashed: n2 exited with 1',
      '1 source files changed during the run; rerun on a quiet tree',
    ]);
    expect(formatReport(bad)).toMatch(/verdict: FAIL/);
  });

  it('renders a timeline page with one bar per operation and the faults', () => {
    const page = renderTimeline({
      title: 'seed <1>',
      endAt: 4000,
      healedAt: 3000,
      operations: input().operations,
      faults: [fault(1000, 2000)],
      leaderChanges: [{ at: 0, leaderId: 'n1', term: 1 }],
    });
    expect(page).toContain('<svg');
    expect(page).toContain('seed &lt;1&gt;');
    expect(page.match(/<rect /g)?.length).toBe(5 + 1 + 1);
    expect(page).toContain('kill-leader SIGKILL n1');
  });
});

describe('throttle recovery', () => {
  const throttle = (startedAt: number, endedAt: number): FaultEvent => ({
    kind: 'throttle-leader',
    family: 'gray',
    startedAt,
    endedAt,
    targets: ['n2'],
    detail: 'shaped',
  });
  /** `perSecond` ok puts completing evenly in [from, to), and one failed put per 100 ms there too. */
  const writes = (from: number, to: number, perSecond: number): RecordedOperation[] => {
    const operations: RecordedOperation[] = [];
    for (let index = 0; from + (index * 1000) / perSecond < to; index += 1) {
      const at = from + (index * 1000) / perSecond;
      operations.push(op('c1', { type: 'put', key: 'k', value: `v${at}` }, at - 1, at, ok(null)));
    }
    for (let at = from; at < to; at += 100) {
      operations.push(op('c2', { type: 'put', key: 'k', value: `f${at}` }, at - 1, at, { status: 'failed' }));
    }
    return operations;
  };

  it('compares the third election timeout after the start with the earlier rate outside faults', () => {
    // 100 writes/s before; a kill fault 2–4 s with no writes (excluded from the earlier rate);
    // 100/s again; the throttle at 10 s: nothing for 2 s, then 60/s; reads never count.
    const operations = [
      ...writes(0, 2000, 100),
      ...writes(4000, 10_000, 100),
      ...writes(12_000, 16_000, 60),
      op('c3', { type: 'get', key: 'k' }, 12_000, 12_500, ok(null)),
    ];
    const faults = [fault(2000, 4000), throttle(10_000, 15_000)];
    const [recovery] = throttleRecoveries(operations, faults, 20_000, 0, 1000);
    expect(recovery).toMatchObject({ startedAt: 10_000, target: 'n2' });
    expect(recovery!.earlierWritesPerSecond).toBeCloseTo(100, 0); // the write at 4000 ms is inside the kill
    expect(recovery!.recoveredWritesPerSecond).toBeCloseTo(60, 5);
    expect(recovery!.windowWritesPerSecond).toBeCloseTo(20, 5);
    expect(recovery!.ratio).toBeCloseTo(0.6, 2);
    const report = buildReport(input({ operations, faults, healedAt: 20_000, runEndedAt: 21_000 }));
    expect(report.anomalies).toEqual([]);
    expect(report.recoveryShortfalls).toEqual([]);
    expect(formatReport(report)).toContain('throttle recovery: n2 at 10000 ms');
  });

  it('fails the run when writes come back below half their earlier rate, or cannot be compared', () => {
    const faults = [throttle(10_000, 15_000)];
    const slow = [...writes(0, 10_000, 100), ...writes(12_000, 16_000, 40)];
    const report = buildReport(input({ operations: slow, faults, healedAt: 20_000, runEndedAt: 21_000 }));
    expect(report.throttleRecoveries[0]!.ratio).toBeCloseTo(0.4, 2);
    expect(report.anomalies).toEqual([]);
    expect(report.recoveryShortfalls).toEqual([
      'writes did not recover from the throttle of n2 at 10000 ms: 40 % of their earlier rate in the third election timeout',
    ]);
    expect(formatReport(report)).toMatch(/verdict: FAIL \(writes did not recover/);
    const none = buildReport(
      input({ operations: writes(12_000, 16_000, 40), faults, healedAt: 20_000, runEndedAt: 21_000 }),
    );
    expect(none.throttleRecoveries[0]!.ratio).toBeNull();
    expect(none.recoveryShortfalls).toHaveLength(1);
  });
});
