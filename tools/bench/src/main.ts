// `npm run bench -- ...`: closed-loop load against a raftkv cluster (its own, or a running one) and,
// with --compare-etcd, the same workload against a 3-member etcd. Parses flags, runs the matrix of
// workloads, prints tables and writes JSON. Exit codes: 0 done, 1 failure, 2 usage error.
import { writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EtcdMissingError, findEtcd, startEtcdCluster } from './etcd-cluster.js';
import { openDriver } from './load-driver.js';
import { type BenchOptions, OptionError, parseOptions, type RawOptions, type Workload } from './options.js';
import { existingRaftkvCluster, startRaftkvCluster } from './raftkv-cluster.js';
import { formatRatios, formatTable, medianRun, workloadLabel } from './report.js';
import { type RunResult, runWorkload } from './run-workload.js';
import type { ServerCluster } from './server-cluster.js';
import { makeKeys, makeValue, prefill } from './workload.js';

const prefillInFlight = 256;

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const program = new Command('bench')
  .description('Closed-loop load generator for raftkv, optionally side by side with etcd.')
  .option('--op <list>', 'operations, comma-separated: put, get, mixed', 'put')
  .option('--consistency <c>', 'reads: linearizable or serializable', 'linearizable')
  .option(
    '--read-at <list>',
    'members the load talks to, comma-separated (one run each): client (one client over every endpoint), leader, follower, all (one client per member)',
    'client',
  )
  .option('--in-flight <list>', 'requests in flight, comma-separated (one run each)', '256')
  .option('--read-ratio <f>', 'fraction of gets in a mixed workload', '0.5')
  .option('--duration <s>', 'measured seconds per run', '10')
  .option('--warmup <s>', 'seconds of load before measuring (excluded)', '2')
  .option('--total <n>', 'also stop a run after this many completed requests')
  .option('--keys <n>', 'distinct keys', '10000')
  .option('--key-bytes <n>', 'key size in bytes', '16')
  .option('--value-bytes <n>', 'value size in bytes', '256')
  .option('--clients <n>', 'load generator processes (in-flight requests are split between them)', '1')
  .option('--runs <n>', 'runs per workload; tables show the median run', '1')
  .option(
    '--cluster <dir>',
    'use the running cluster of <dir>/cluster.json (e.g. .cluster) instead of starting one',
  )
  .option('--nodes <n>', 'members of the cluster the bench starts', '3')
  .option('--compare-etcd', 'run the same workloads against a 3-member etcd on loopback', false)
  .option('--secure', 'also run them against a second raftkv cluster with CURVE on every socket', false)
  .option(
    '--node-args <flags>',
    'node flags for each raftkvd the bench starts, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"',
  )
  .option('--raftkvd-args <flags>', 'extra raftkvd flags for each node the bench starts')
  .option('--json <file>', 'write every run as JSON')
  .exitOverride();

function workloads(options: BenchOptions): Workload[] {
  return options.operations.flatMap((operation) =>
    options.readAt.flatMap((readAt) =>
      options.inFlight.map((inFlight) => ({
        operation,
        consistency: options.consistency,
        inFlight,
        readRatio: options.readRatio,
        readAt,
      })),
    ),
  );
}

async function benchCluster(
  cluster: ServerCluster,
  options: BenchOptions,
  label: string = cluster.system,
): Promise<RunResult[][]> {
  if (options.operations.some((operation) => operation !== 'put')) {
    const driver = openDriver(cluster.system, cluster.endpoints, cluster.security);
    const space = { keyCount: options.keyCount, keyBytes: options.keyBytes, valueBytes: options.valueBytes };
    print(`${cluster.system}: writing ${options.keyCount} keys first ...`);
    await prefill(driver, makeKeys(space), makeValue(space), prefillInFlight);
    driver.close();
  }
  const all: RunResult[][] = [];
  for (const workload of workloads(options)) {
    const runs: RunResult[] = [];
    for (let run = 0; run < options.runs; run += 1) {
      const result = await runWorkload(cluster, workload, options, run + 1);
      print(
        `${label} ${workloadLabel(result)} run ${run + 1}: ` +
          `${result.opsPerSecond.toFixed(0)} ops/s, p50 ${result.latencyMs.p50.toFixed(2)} ms` +
          (result.errors > 0 ? `, ${result.errors} errors (first: ${result.firstError})` : ''),
      );
      runs.push(result);
    }
    all.push(runs);
  }
  return all;
}

async function withCluster<T>(
  start: () => Promise<ServerCluster> | ServerCluster,
  use: (cluster: ServerCluster) => Promise<T>,
): Promise<T> {
  const cluster = await start();
  const stop = (): void => {
    void cluster.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  try {
    return await use(cluster);
  } finally {
    process.off('SIGINT', stop);
    await cluster.stop();
  }
}

function table(system: string, runs: readonly RunResult[][]): string {
  return formatTable(
    system,
    runs.map((list) => ({ median: medianRun(list), runs: list })),
  );
}

async function main(): Promise<number> {
  program.parse(process.argv);
  const options = parseOptions(program.opts<RawOptions>());
  if (options.compareEtcd && findEtcd() === null) throw new EtcdMissingError();
  const target = options.target;
  const raftkv = await withCluster(
    () =>
      target.kind === 'start'
        ? startRaftkvCluster(target.nodes, options.serverNodeArgs, options.raftkvdArgs)
        : existingRaftkvCluster(target.dir),
    (cluster) => benchCluster(cluster, options),
  );
  if (options.secure && target.kind !== 'start')
    throw new OptionError('--secure needs a cluster the bench starts');
  const secure = options.secure
    ? await withCluster(
        () =>
          startRaftkvCluster(
            target.kind === 'start' ? target.nodes : 3,
            options.serverNodeArgs,
            options.raftkvdArgs,
            true,
          ),
        (cluster) => benchCluster(cluster, options, 'raftkv+curve'),
      )
    : null;
  const etcd = options.compareEtcd
    ? await withCluster(
        () => startEtcdCluster(3),
        (cluster) => benchCluster(cluster, options),
      )
    : null;
  print('');
  print(table('raftkv', raftkv));
  if (secure !== null) {
    print('');
    print(table('raftkv with CURVE', secure));
    print('');
    print(formatRatios(secure.map(medianRun), raftkv.map(medianRun), ['CURVE', 'plaintext']));
  }
  if (etcd !== null) {
    print('');
    print(table('etcd', etcd));
    print('');
    print(formatRatios(raftkv.map(medianRun), etcd.map(medianRun)));
  }
  if (options.jsonFile !== null) {
    writeFileSync(options.jsonFile, `${JSON.stringify({ options, raftkv, secure, etcd }, null, 2)}\n`);
    print(`\nwrote ${options.jsonFile}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    if (error instanceof OptionError) {
      process.stderr.write(`bench: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof EtcdMissingError) {
      process.stderr.write(`bench: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
