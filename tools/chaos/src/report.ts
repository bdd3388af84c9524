// The chaos run's report: counts per phase, unavailability, recovery, latency and throughput from the
// recorded history and fault events, plus the verdicts, and the list of anomalies that fail the run.
// Pure: computes and formats; never touches processes or files.
import type { FaultEvent } from './fault-executor.js';
import type { RecordedOperation } from './history-recorder.js';
import type { LeaderChange } from './leader-observer.js';
import type { LostWrite } from './lost-writes.js';

export type Phase = 'before' | 'during' | 'between' | 'after';
export const phases: readonly Phase[] = ['before', 'during', 'between', 'after'];

export interface OutcomeCounts {
  ok: number;
  failed: number;
  unknown: number;
}

export interface CheckSummary {
  readonly result: 'linearizable' | 'not-linearizable' | 'unknown' | 'invalid-history';
  /** The minimal counter-example, the exhausted key, or the malformed operation. */
  readonly detail: string;
  readonly steps: number;
  readonly elapsedMs: number;
}

export interface ConvergenceSummary {
  readonly converged: boolean;
  /** Per node: applied index and a digest of its serializable read of every key, or why not read. */
  readonly nodes: readonly {
    readonly id: string;
    readonly appliedIndex: number | null;
    readonly digest: string;
  }[];
  readonly detail: string;
}

export interface ReportInput {
  readonly seed: number;
  readonly nodes: number;
  readonly clients: number;
  /** raftkvd's election timeout: the unit of the throttle recovery window. */
  readonly electionTimeoutMs: number;
  readonly runStartedAt: number;
  /** When the last fault ended and everything was healed (ms since start). */
  readonly healedAt: number;
  readonly runEndedAt: number;
  readonly operations: readonly RecordedOperation[];
  readonly faults: readonly FaultEvent[];
  readonly leaderChanges: readonly LeaderChange[];
  readonly check: CheckSummary;
  readonly lostWrites: readonly LostWrite[];
  readonly convergence: ConvergenceSummary;
  readonly crashes: readonly string[];
  /** Source files that changed while the run went on: restarted nodes may have run other code. */
  readonly sourcesChanged: readonly string[];
}

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface ChaosReport {
  readonly input: ReportInput;
  readonly byPhase: Record<Phase, OutcomeCounts>;
  readonly longestUnavailability: { readonly ms: number; readonly from: number; readonly to: number };
  readonly healToFirstSuccessMs: number | null;
  readonly faultRecoveryMs: { readonly max: number | null; readonly median: number | null };
  readonly latencyMs: {
    readonly all: LatencySummary;
    readonly reads: LatencySummary;
    readonly writes: LatencySummary;
  };
  readonly okPerSecondOutsideFaults: number;
  readonly okPerSecondOverall: number;
  readonly throttleRecoveries: readonly ThrottleRecovery[];
  /** Safety and harness failures: any one fails every run, the CI-sized one included. */
  readonly anomalies: readonly string[];
  /**
   * Throttles after which writes did not come back to the floor in time. A throughput measurement
   * over one election timeout: it fails the full run's verdict (measured on a quiet machine), while
   * the CI-sized run on a shared machine only reports it (speed belongs to measurements, not tests).
   */
  readonly recoveryShortfalls: readonly string[];
}

/**
 * How the write rate came back after a leader's links were throttled (a gray failure). The cluster
 * must move leadership away: in the third election timeout after the throttle began, successful
 * writes must complete at ≥ `throttleRecoveryFloor` of their rate outside faults before it.
 */
export interface ThrottleRecovery {
  readonly startedAt: number;
  readonly target: string;
  /** ok writes per second completing outside any fault window, from the run's start to this fault. */
  readonly earlierWritesPerSecond: number;
  /** ok writes per second completing in [start + 2 ET, start + 3 ET): the rate it must return to. */
  readonly recoveredWritesPerSecond: number;
  /** ok writes per second over all of [start, start + 3 ET), detection and hand-over included. */
  readonly windowWritesPerSecond: number;
  /** recovered / earlier; null when there was no earlier write to compare with. */
  readonly ratio: number | null;
}

export const throttleRecoveryFloor = 0.5;
const throttleWindowTimeouts = 3;

/** The recovery after every `throttle-leader` fault; writes counted by completion time. */
export function throttleRecoveries(
  operations: readonly RecordedOperation[],
  faults: readonly FaultEvent[],
  healedAt: number,
  runStartedAt: number,
  electionTimeoutMs: number,
): ThrottleRecovery[] {
  const writes = operations
    .filter(
      (operation) =>
        operation.process !== 'final' && operation.outcome.status === 'ok' && operation.input.type !== 'get',
    )
    .map((operation) => operation.completedAt);
  const countIn = (from: number, to: number): number => writes.filter((at) => at >= from && at < to).length;
  const perSecond = (count: number, ms: number): number => (ms <= 0 ? 0 : (count * 1000) / ms);
  return faults
    .filter((fault) => fault.kind === 'throttle-leader')
    .map((fault) => {
      const start = fault.startedAt;
      const earlierFaults = faults.filter((other) => other.startedAt < start);
      const faultMs = earlierFaults.reduce(
        (sum, other) => sum + (Math.min(other.endedAt, start) - other.startedAt),
        0,
      );
      const quietMs = start - runStartedAt - faultMs;
      const quietWrites = writes.filter(
        (at) => at < start && phaseOf(at, earlierFaults, healedAt) !== 'during',
      );
      const earlier = perSecond(quietWrites.length, quietMs);
      const windowEnd = start + throttleWindowTimeouts * electionTimeoutMs;
      const recovered = perSecond(countIn(windowEnd - electionTimeoutMs, windowEnd), electionTimeoutMs);
      return {
        startedAt: start,
        target: fault.targets[0] ?? '',
        earlierWritesPerSecond: earlier,
        recoveredWritesPerSecond: recovered,
        windowWritesPerSecond: perSecond(countIn(start, windowEnd), windowEnd - start),
        ratio: earlier === 0 ? null : recovered / earlier,
      };
    });
}

export function phaseOf(at: number, faults: readonly FaultEvent[], healedAt: number): Phase {
  const first = faults[0];
  if (first === undefined || at < first.startedAt) return 'before';
  if (at >= healedAt) return 'after';
  return faults.some((fault) => at >= fault.startedAt && at <= fault.endedAt) ? 'during' : 'between';
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

function latency(operations: readonly RecordedOperation[]): LatencySummary {
  const sorted = operations
    .map((operation) => operation.completedAt - operation.invokedAt)
    .sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? 0,
  };
}

/** The longest stretch between the run's start (or one success) and the next success. */
export function longestGap(
  successTimes: readonly number[],
  from: number,
  to: number,
): { ms: number; from: number; to: number } {
  let best = { ms: 0, from, to: from };
  let previous = from;
  for (const at of [...successTimes].sort((a, b) => a - b).concat([to])) {
    if (at - previous > best.ms) best = { ms: at - previous, from: previous, to: at };
    previous = Math.max(previous, at);
  }
  return best;
}

/** First success invoked after `at`: how long after `at` it completed. */
function firstSuccessAfter(ok: readonly RecordedOperation[], at: number): number | null {
  // A loop, not Math.min(...): a run records far more operations than a call may take arguments.
  let first = Number.POSITIVE_INFINITY;
  for (const operation of ok) {
    if (operation.invokedAt >= at && operation.completedAt < first) first = operation.completedAt;
  }
  return first === Number.POSITIVE_INFINITY ? null : first - at;
}

export function buildReport(input: ReportInput): ChaosReport {
  const workload = input.operations.filter((operation) => operation.process !== 'final');
  const ok = workload.filter((operation) => operation.outcome.status === 'ok');
  const byPhase = Object.fromEntries(
    phases.map((phase) => [phase, { ok: 0, failed: 0, unknown: 0 }]),
  ) as Record<Phase, OutcomeCounts>;
  for (const operation of workload) {
    byPhase[phaseOf(operation.invokedAt, input.faults, input.healedAt)][operation.outcome.status] += 1;
  }
  const recoveries = input.faults
    .map((fault) => firstSuccessAfter(ok, fault.endedAt))
    .filter((ms): ms is number => ms !== null)
    .sort((a, b) => a - b);
  const faultMs = input.faults.reduce((sum, fault) => sum + (fault.endedAt - fault.startedAt), 0);
  const quietMs = Math.max(1, input.healedAt - input.runStartedAt - faultMs);
  const quietOk = ok.filter((operation) => {
    const phase = phaseOf(operation.completedAt, input.faults, input.healedAt);
    return phase === 'before' || phase === 'between';
  }).length;
  let workloadEnd = input.healedAt;
  for (const operation of workload) workloadEnd = Math.max(workloadEnd, operation.completedAt);
  const partial = {
    input,
    byPhase,
    longestUnavailability: longestGap(
      ok.map((operation) => operation.completedAt),
      input.runStartedAt,
      workloadEnd,
    ),
    healToFirstSuccessMs: firstSuccessAfter(ok, input.healedAt),
    faultRecoveryMs: {
      max: recoveries.at(-1) ?? null,
      median: recoveries.length === 0 ? null : percentile(recoveries, 0.5),
    },
    latencyMs: {
      all: latency(ok),
      reads: latency(ok.filter((operation) => operation.input.type === 'get')),
      writes: latency(ok.filter((operation) => operation.input.type !== 'get')),
    },
    okPerSecondOutsideFaults: (quietOk * 1000) / quietMs,
    okPerSecondOverall: (ok.length * 1000) / Math.max(1, workloadEnd - input.runStartedAt),
    throttleRecoveries: throttleRecoveries(
      input.operations,
      input.faults,
      input.healedAt,
      input.runStartedAt,
      input.electionTimeoutMs,
    ),
  };
  return { ...partial, anomalies: anomaliesOf(input), recoveryShortfalls: recoveryShortfallsOf(input) };
}

export function anomaliesOf(input: ReportInput): string[] {
  const anomalies: string[] = [];
  if (input.check.result !== 'linearizable') anomalies.push(`linearizability: ${input.check.result}`);
  if (input.lostWrites.length > 0) anomalies.push(`${input.lostWrites.length} acknowledged writes lost`);
  if (!input.convergence.converged) anomalies.push(`nodes did not converge: ${input.convergence.detail}`);
  for (const crash of input.crashes) anomalies.push(`node crashed: ${crash}`);
  if (input.sourcesChanged.length > 0) {
    anomalies.push(
      `${input.sourcesChanged.length} source files changed during the run; rerun on a quiet tree`,
    );
  }
  return anomalies;
}

/** The throttles after which writes came back below `throttleRecoveryFloor` (or cannot be compared). */
export function recoveryShortfallsOf(input: ReportInput): string[] {
  const shortfalls: string[] = [];
  for (const recovery of throttleRecoveries(
    input.operations,
    input.faults,
    input.healedAt,
    input.runStartedAt,
    input.electionTimeoutMs,
  )) {
    if (recovery.ratio === null || recovery.ratio < throttleRecoveryFloor) {
      shortfalls.push(
        `writes did not recover from the throttle of ${recovery.target} at ${Math.round(recovery.startedAt)} ms: ${describeRatio(recovery)} of their earlier rate in the third election timeout`,
      );
    }
  }
  return shortfalls;
}

/** Everything that fails a full run: the anomalies and the recovery shortfalls. */
export function verdictFailures(report: ChaosReport): readonly string[] {
  return [...report.anomalies, ...report.recoveryShortfalls];
}

const ms = (value: number | null): string => (value === null ? 'n/a' : `${Math.round(value)} ms`);
const latencyLine = (summary: LatencySummary): string =>
  `p50 ${summary.p50.toFixed(1)}  p90 ${summary.p90.toFixed(1)}  p99 ${summary.p99.toFixed(1)}  max ${summary.max.toFixed(0)} ms`;

/** The text report, one fact per line, worded the same way every run. */
export function formatReport(report: ChaosReport): string {
  const { input } = report;
  const lines = [
    `chaos run: seed ${input.seed}, ${input.nodes} nodes, ${input.clients} clients, ${input.faults.length} faults, ${Math.round((input.runEndedAt - input.runStartedAt) / 1000)} s`,
    `linearizability: ${input.check.result} (${input.check.steps} steps, ${Math.round(input.check.elapsedMs)} ms)`,
  ];
  if (input.check.result !== 'linearizable') lines.push(indent(input.check.detail));
  lines.push(`acknowledged writes lost: ${input.lostWrites.length}`);
  for (const lost of input.lostWrites.slice(0, 10)) {
    lines.push(
      `  ${lost.key}: final ${JSON.stringify(lost.finalValue)}; ${lost.reason}${lost.write === null ? '' : ` (${describe(lost.write)})`}`,
    );
  }
  lines.push(`converged: ${input.convergence.converged ? 'yes' : 'NO'} — ${input.convergence.detail}`);
  lines.push(`node crashes: ${input.crashes.length}`);
  lines.push(`source files changed during the run: ${input.sourcesChanged.length}`);
  for (const path of input.sourcesChanged.slice(0, 10)) lines.push(`    ${path}`);
  for (const crash of input.crashes) lines.push(indent(crash));
  for (const phase of phases) {
    const counts = report.byPhase[phase];
    lines.push(`ops ${phase.padEnd(7)} ok ${counts.ok}  failed ${counts.failed}  unknown ${counts.unknown}`);
  }
  lines.push(
    `longest unavailability: ${ms(report.longestUnavailability.ms)} (from ${ms(report.longestUnavailability.from)} to ${ms(report.longestUnavailability.to)})`,
    `heal to first success: ${ms(report.healToFirstSuccessMs)}; after each fault: median ${ms(report.faultRecoveryMs.median)}, max ${ms(report.faultRecoveryMs.max)}`,
    `latency all    ${latencyLine(report.latencyMs.all)}`,
    `latency reads  ${latencyLine(report.latencyMs.reads)}`,
    `latency writes ${latencyLine(report.latencyMs.writes)}`,
    `ok ops/s outside faults: ${report.okPerSecondOutsideFaults.toFixed(1)}; overall ${report.okPerSecondOverall.toFixed(1)}`,
    `leader changes: ${input.leaderChanges.length}`,
  );
  for (const recovery of report.throttleRecoveries) {
    lines.push(
      `throttle recovery: ${recovery.target} at ${ms(recovery.startedAt)}: earlier ${recovery.earlierWritesPerSecond.toFixed(1)} writes/s; 3rd election timeout ${recovery.recoveredWritesPerSecond.toFixed(1)} writes/s (${describeRatio(recovery)}, floor ${throttleRecoveryFloor * 100} %); all 3 ${recovery.windowWritesPerSecond.toFixed(1)} writes/s`,
    );
  }
  lines.push(`faults:`);
  for (const fault of input.faults) {
    lines.push(
      `  ${ms(fault.startedAt).padStart(9)} +${ms(fault.endedAt - fault.startedAt).padEnd(9)} ${fault.kind.padEnd(24)} ${fault.detail}`,
    );
  }
  lines.push(
    verdictFailures(report).length === 0
      ? 'verdict: PASS'
      : `verdict: FAIL (${verdictFailures(report).join('; ')})`,
  );
  return lines.join('\n');
}

function describeRatio(recovery: ThrottleRecovery): string {
  return recovery.ratio === null ? 'no earlier writes to compare' : `${Math.round(recovery.ratio * 100)} %`;
}

function describe(operation: RecordedOperation): string {
  return `${operation.process} ${JSON.stringify(operation.input)} invoked ${Math.round(operation.invokedAt)} ms, completed ${Math.round(operation.completedAt)} ms`;
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
