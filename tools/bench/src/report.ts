// Turns run results into text tables (one row per workload: ops/s, latency percentiles, CPU per
// process, RSS) and picks the median run of repeated ones. Pure formatting; prints nothing itself.
import type { RunResult } from './run-workload.js';

export function workloadLabel(result: RunResult): string {
  const { operation, consistency, readRatio, inFlight, readAt } = result.workload;
  const what =
    operation === 'put'
      ? 'put'
      : operation === 'get'
        ? `get ${consistency === 'linearizable' ? 'lin' : 'ser'}`
        : `mixed ${Math.round(readRatio * 100)}% ${consistency === 'linearizable' ? 'lin' : 'ser'}`;
  return `${what} @${inFlight}${readAt === 'client' ? '' : ` at ${readAt}`}`;
}

/** The run with the median throughput (the lower middle one for an even count). */
export function medianRun(runs: readonly RunResult[]): RunResult {
  const sorted = [...runs].sort((a, b) => a.opsPerSecond - b.opsPerSecond);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (median === undefined) throw new RangeError('no runs to take the median of');
  return median;
}

export function formatTable(
  title: string,
  rows: readonly { median: RunResult; runs: readonly RunResult[] }[],
): string {
  const header = [
    'workload',
    'ops/s',
    'runs ops/s',
    'p50 ms',
    'p90',
    'p99',
    'p99.9',
    'max',
    'errors',
    'server CPU (cores)',
    'load CPU',
    'RSS MiB',
    'CPU stall %',
  ];
  const body = rows.map(({ median, runs }) => [
    workloadLabel(median),
    fixed(median.opsPerSecond, 0),
    runs.map((run) => fixed(run.opsPerSecond, 0)).join('/'),
    fixed(median.latencyMs.p50, 2),
    fixed(median.latencyMs.p90, 2),
    fixed(median.latencyMs.p99, 2),
    fixed(median.latencyMs.p999, 2),
    fixed(median.latencyMs.max, 1),
    String(median.errors),
    median.servers.map((server) => `${server.name} ${fixed(server.cpuCores, 2)}`).join(' '),
    median.loadProcesses.map((load) => fixed(load.cpuCores, 2)).join('+'),
    median.servers
      .map((server) => (server.rssMebibytes === null ? '?' : fixed(server.rssMebibytes, 0)))
      .join('/'),
    median.cpuPressurePercent === null ? '?' : fixed(median.cpuPressurePercent, 0),
  ]);
  return `${title}\n${columns([header, ...body])}`;
}

/** Median ops/s of `raftkv` over `etcd` per workload; `names` label the two columns (default raftkv, etcd). */
export function formatRatios(
  raftkv: readonly RunResult[],
  etcd: readonly RunResult[],
  names: readonly [string, string] = ['raftkv', 'etcd'],
): string {
  const rows = raftkv.flatMap((ours) => {
    const theirs = etcd.find((run) => workloadLabel(run) === workloadLabel(ours));
    if (theirs === undefined) return [];
    const ratio =
      theirs.opsPerSecond > 0 ? ours.opsPerSecond / theirs.opsPerSecond : Number.POSITIVE_INFINITY;
    return [
      [
        workloadLabel(ours),
        fixed(ours.opsPerSecond, 0),
        fixed(theirs.opsPerSecond, 0),
        `${fixed(ratio, 2)}x`,
      ],
    ];
  });
  const [left, right] = names;
  return `${left} / ${right} (median ops/s)\n${columns([['workload', left, right, 'ratio'], ...rows])}`;
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
