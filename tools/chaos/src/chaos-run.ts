// One chaos run end to end: start a cluster of real raftkvd processes, run the workload, inject the
// seeded fault schedule, heal everything, read every key, check linearizability, lost writes and
// convergence, and write report.txt, report.json and timeline.html. Every process is SIGKILLed by
// PID in a finally block, also when the run fails.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KvClient } from '@raftkv/client';
import { pause } from '@raftkv/testkit';
import { ChaosCluster } from './chaos-cluster.js';
import { checkConvergence } from './convergence.js';
import { executeFault, type FaultEvent } from './fault-executor.js';
import { type FaultFamily, planFaults } from './fault-plan.js';
import { HistoryRecorder } from './history-recorder.js';
import { LeaderObserver } from './leader-observer.js';
import { checkHistory } from './linearizability-check.js';
import { findLostWrites } from './lost-writes.js';
import { buildReport, type ChaosReport, formatReport } from './report.js';
import { SeededRandom } from './seeded-random.js';
import { changedSources, fingerprintSources } from './source-fingerprint.js';
import { renderTimeline } from './timeline.js';
import { keyName, runOperation, Workload } from './workload.js';

export interface ChaosOptions {
  readonly nodes: number;
  readonly durationMs: number;
  readonly families: readonly FaultFamily[];
  readonly seed: number;
  readonly clients: number;
  readonly keys: number;
  /** Where data directories, node logs and the report go (kept after the run). */
  readonly dir: string;
  readonly electionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly snapshotThresholdEntries: number;
  /** What the throttle fault shapes the leader's outbound peer links to. */
  readonly throttleKbitPerSecond: number;
  /** The clients' overall timeout per operation: a write still unanswered then is unknown. */
  readonly clientTimeoutMs: number;
  /** How long the workload keeps running after everything healed. */
  readonly recoveryMs: number;
  readonly checkMaxSteps: number;
  readonly checkTimeBudgetMs: number;
  readonly log: (line: string) => void;
}

export interface ChaosResult {
  readonly report: ChaosReport;
  readonly text: string;
  readonly faults: readonly FaultEvent[];
}

const finalReadTimeoutMs = 60_000;

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const plan = planFaults({
    seed: options.seed,
    durationMs: options.durationMs,
    families: options.families,
    electionTimeoutMs: options.electionTimeoutMs,
    warmupMs: Math.min(5000, options.durationMs / 10),
    quietMs: [2 * options.electionTimeoutMs, 4 * options.electionTimeoutMs],
  });
  options.log(
    `seed ${options.seed}: ${plan.length} faults planned: ${plan.map((fault) => fault.kind).join(', ')}`,
  );
  const cluster = await ChaosCluster.start({
    root: options.dir,
    nodes: options.nodes,
    spares: plan.filter((fault) => fault.kind === 'add-node').length,
    timing: options,
  });
  try {
    return await driveRun(options, plan, cluster);
  } finally {
    await cluster.stop();
  }
}

async function driveRun(
  options: ChaosOptions,
  plan: ReturnType<typeof planFaults>,
  cluster: ChaosCluster,
): Promise<ChaosResult> {
  const startedAt = performance.now();
  const now = (): number => performance.now() - startedAt;
  const sourcesAtStart = fingerprintSources();
  const recorder = new HistoryRecorder(now);
  const workload = new Workload(
    { clients: options.clients, keys: options.keys, seed: options.seed, timeoutMs: options.clientTimeoutMs },
    recorder,
  );
  const observer = new LeaderObserver(cluster, now);
  const faults: FaultEvent[] = [];
  const random = new SeededRandom(options.seed ^ 0x5bd1e995);
  workload.start(cluster.memberClientAddresses());
  observer.start();
  for (const planned of plan) {
    if (now() < planned.atMs) await pause(planned.atMs - now());
    if (now() > options.durationMs) break;
    const event = await executeFault(planned, {
      cluster,
      random,
      now,
      nodes: options.nodes,
      throttleKbitPerSecond: options.throttleKbitPerSecond,
      onMembershipChanged: (endpoints) => workload.setEndpoints(endpoints),
    });
    faults.push(event);
    options.log(`${(event.startedAt / 1000).toFixed(1)}s ${event.kind}: ${event.detail}`);
  }
  if (now() < options.durationMs) await pause(options.durationMs - now());
  cluster.network.heal();
  await cluster.reviveAll();
  const healedAt = now();
  options.log(
    `${(healedAt / 1000).toFixed(1)}s healed everything; workload runs ${options.recoveryMs} ms more`,
  );
  await pause(options.recoveryMs);
  await workload.stop();
  const finalValues = await readEveryKey(cluster, options, recorder);
  const convergence = await checkConvergence(cluster, 'k', 30_000);
  await observer.stop();
  const runEndedAt = now();
  const sourcesChanged = changedSources(sourcesAtStart, fingerprintSources());
  options.log(`checking ${recorder.operations.length} operations for linearizability`);
  const check = checkHistory(recorder.operations, {
    maxSteps: options.checkMaxSteps,
    timeBudgetMs: options.checkTimeBudgetMs,
  });
  const report = buildReport({
    seed: options.seed,
    nodes: options.nodes,
    clients: options.clients,
    electionTimeoutMs: options.electionTimeoutMs,
    runStartedAt: 0,
    healedAt,
    runEndedAt,
    operations: recorder.operations,
    faults,
    leaderChanges: observer.changes,
    check,
    lostWrites: findLostWrites(recorder.operations, finalValues),
    convergence,
    sourcesChanged,
    crashes: cluster.unexpectedExits
      .filter((exit) => !exit.portTaken)
      .map((exit) => `${exit.id} exited with ${exit.exitCode ?? exit.signal}:\n${exit.logTail}`),
  });
  const text = formatReport(report);
  writeFiles(options.dir, report, text, recorder, faults, observer, healedAt, runEndedAt, options.seed);
  return { report, text, faults };
}

/** Reads every key linearizably (retrying until it succeeds), recorded as process 'final'. */
async function readEveryKey(
  cluster: ChaosCluster,
  options: ChaosOptions,
  recorder: HistoryRecorder,
): Promise<Map<string, string | null>> {
  const client = new KvClient({ endpoints: cluster.memberClientAddresses(), timeoutMs: 5000 });
  const values = new Map<string, string | null>();
  const deadline = Date.now() + finalReadTimeoutMs;
  try {
    for (let index = 0; index < options.keys; index += 1) {
      const key = keyName(index);
      for (;;) {
        const outcome = await runOperation(client, { type: 'get', key }, recorder, 'final');
        if (outcome.status === 'ok') {
          values.set(key, outcome.result as string | null);
          break;
        }
        if (Date.now() > deadline)
          throw new Error(`final read of ${key} did not succeed within ${finalReadTimeoutMs} ms`);
      }
    }
  } finally {
    client.close();
  }
  return values;
}

function writeFiles(
  dir: string,
  report: ChaosReport,
  text: string,
  recorder: HistoryRecorder,
  faults: readonly FaultEvent[],
  observer: LeaderObserver,
  healedAt: number,
  endAt: number,
  seed: number,
): void {
  writeFileSync(join(dir, 'report.txt'), `${text}\n`);
  const { operations: _operations, ...summary } = report.input;
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify({ ...report, input: summary }, null, 2)}\n`);
  writeFileSync(join(dir, 'history.json'), `${JSON.stringify(recorder.operations)}\n`);
  writeFileSync(
    join(dir, 'timeline.html'),
    renderTimeline({
      title: `raftkv chaos run, seed ${seed}`,
      endAt,
      healedAt,
      operations: recorder.operations,
      faults,
      leaderChanges: observer.changes,
    }),
  );
}
