// Runs one workload against one cluster: forks the load processes, warms up, measures for the
// duration (or until the request limit), and collects throughput, merged latency percentiles, CPU
// seconds per server member and per load process (/proc deltas over the measured window), and RSS.
import { type ChildProcess, fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Histogram, type Percentiles } from './histogram.js';
import type { BenchOptions, Workload } from './options.js';
import { cpuPressureStallMicros, cpuSeconds, rssMebibytes } from './proc-stats.js';
import { loadTargets } from './read-targets.js';
import type { ServerCluster } from './server-cluster.js';
import type { WorkerMessage, WorkerResult } from './worker-protocol.js';

const workerPath = fileURLToPath(
  new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

export interface ProcessUsage {
  readonly name: string;
  readonly pid: number;
  /** CPU seconds per wall second over the measured window (1.0 = one core busy). */
  readonly cpuCores: number;
  readonly rssMebibytes: number | null;
}

export interface RunResult {
  readonly system: 'raftkv' | 'etcd';
  readonly workload: Workload;
  readonly clients: number;
  readonly seconds: number;
  readonly completed: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly opsPerSecond: number;
  /** Latency in milliseconds. */
  readonly latencyMs: Percentiles;
  readonly servers: readonly ProcessUsage[];
  readonly loadProcesses: readonly ProcessUsage[];
  /**
   * Share of the measured window in which some task on the machine waited for a CPU (PSI), in
   * percent; high values mean other work competed with the run. Null without /proc/pressure.
   */
  readonly cpuPressurePercent: number | null;
}

export async function runWorkload(
  cluster: ServerCluster,
  workload: Workload,
  options: BenchOptions,
  seed: number,
): Promise<RunResult> {
  const targets = await loadTargets(cluster, workload.readAt);
  const workers = Array.from({ length: options.clients }, () =>
    fork(workerPath, [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  try {
    const limitPerWorker =
      options.totalRequests === null ? null : Math.ceil(options.totalRequests / options.clients);
    await Promise.all(
      workers.map((worker, index) => {
        const running = nextMessage(worker, 'running');
        worker.send({
          type: 'config',
          system: cluster.system,
          endpoints: targets.endpoints,
          spread: targets.spread,
          ...(cluster.security === undefined ? {} : { security: cluster.security }),
          workload,
          inFlight: share(workload.inFlight, options.clients, index),
          space: { keyCount: options.keyCount, keyBytes: options.keyBytes, valueBytes: options.valueBytes },
          requestLimit: limitPerWorker,
          seed: seed * 7919 + index + 1,
        });
        return running;
      }),
    );
    await sleep(options.warmupSeconds * 1000);
    const watched = [
      ...cluster.members.map((member) => ({ name: member.id, pid: member.pid })),
      ...workers.map((worker, index) => ({ name: `load${index + 1}`, pid: worker.pid! })),
    ];
    const cpuBefore = watched.map((process) => cpuSeconds(process.pid) ?? 0);
    const stallBefore = cpuPressureStallMicros();
    const started = performance.now();
    for (const worker of workers) worker.send({ type: 'measure' });
    await measuredWindow(workers, options);
    const results = await Promise.all(
      workers.map((worker) => {
        const result = nextMessage(worker, 'result') as Promise<WorkerResult>;
        worker.send({ type: 'stop' });
        return result;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const stallAfter = cpuPressureStallMicros();
    const pressure =
      stallBefore === null || stallAfter === null
        ? null
        : ((stallAfter - stallBefore) / (seconds * 1e6)) * 100;
    const usage = watched.map((process, index) => ({
      ...process,
      cpuCores: ((cpuSeconds(process.pid) ?? 0) - cpuBefore[index]!) / seconds,
      rssMebibytes: rssMebibytes(process.pid),
    }));
    return {
      ...summarize(cluster, workload, options.clients, seconds, results, usage),
      cpuPressurePercent: pressure,
    };
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
  }
}

function summarize(
  cluster: ServerCluster,
  workload: Workload,
  clients: number,
  seconds: number,
  results: readonly WorkerResult[],
  usage: readonly ProcessUsage[],
): Omit<RunResult, 'cpuPressurePercent'> {
  const histogram = new Histogram();
  for (const result of results) histogram.merge(result.histogram);
  const micros = histogram.percentiles();
  const completed = results.reduce((sum, result) => sum + result.completed, 0);
  return {
    system: cluster.system,
    workload,
    clients,
    seconds,
    completed,
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    firstError: results.find((result) => result.firstError !== null)?.firstError ?? null,
    opsPerSecond: completed / seconds,
    latencyMs: {
      p50: micros.p50 / 1000,
      p90: micros.p90 / 1000,
      p99: micros.p99 / 1000,
      p999: micros.p999 / 1000,
      max: micros.max / 1000,
    },
    servers: usage.slice(0, cluster.members.length),
    loadProcesses: usage.slice(cluster.members.length),
  };
}

/** Lane count of worker `index` when `total` lanes are split over `workers` as evenly as possible. */
export function share(total: number, workers: number, index: number): number {
  return Math.floor(total / workers) + (index < total % workers ? 1 : 0);
}

/** Resolves after the duration, or once every worker reached its request limit. */
function measuredWindow(workers: readonly ChildProcess[], options: BenchOptions): Promise<void> {
  const limits =
    options.totalRequests === null ? [] : workers.map((worker) => nextMessage(worker, 'limit-reached'));
  const timer = sleep(options.durationSeconds * 1000);
  return limits.length === 0 ? timer : Promise.race([timer, Promise.all(limits).then(() => {})]);
}

function nextMessage(worker: ChildProcess, type: WorkerMessage['type']): Promise<WorkerMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage): void => {
      if (message.type !== type) return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null): void => {
      worker.off('message', onMessage);
      reject(new Error(`a load process exited (code ${code}) before sending '${type}'`));
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
