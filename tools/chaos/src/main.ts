// `npm run chaos -- --nodes 5 --duration 300 --faults all`: one chaos run of real raftkvd processes.
// Parses flags, runs, prints the report; exits 0 when no anomaly was found, 1 on any, 2 on bad flags.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { runChaos } from './chaos-run.js';
import { parseFaultFamilies } from './fault-plan.js';
import { verdictFailures } from './report.js';

const whole =
  (min: number, max: number) =>
  (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return value;
  };

const program = new Command('chaos')
  .description('Real raftkvd processes under real faults, checked for linearizability')
  .option('--nodes <n>', 'cluster size', whole(3, 9), 5)
  .option('--duration <s>', 'seconds of workload under faults (then heal and check)', whole(10, 86_400), 60)
  .option('--faults <families>', 'all, or a comma list of kill,pause,partition,membership,gray', 'all')
  .option(
    '--throttle-kbps <n>',
    'the gray fault shapes the leader’s peer links to this many kbit/s',
    whole(8, 1_000_000),
    256,
  )
  .option(
    '--seed <n>',
    'seed of the fault schedule and workload (default: random, printed)',
    whole(0, 2 ** 32 - 1),
  )
  .option('--clients <n>', 'concurrent clients', whole(1, 256), 12)
  .option('--keys <n>', 'keys the clients share', whole(1, 1000), 32)
  .option('--dir <dir>', 'data directories, logs and reports (default: a new temp directory)')
  .option('--election-timeout-ms <ms>', 'raftkvd election timeout', whole(30, 60_000), 1000)
  .option('--heartbeat-interval-ms <ms>', 'raftkvd heartbeat interval', whole(10, 20_000), 100)
  .option('--snapshot-threshold-entries <n>', 'raftkvd log compaction threshold', whole(1, 10_000_000), 2000)
  .option('--client-timeout-ms <ms>', 'per-operation client timeout', whole(100, 600_000), 10_000)
  .option('--check-seconds <s>', 'time budget of the linearizability check', whole(1, 86_400), 300)
  .showHelpAfterError();

async function main(): Promise<number> {
  program.parse();
  const flags = program.opts();
  const families = parseFaultFamilies(flags.faults as string);
  if (families === null) {
    console.error(
      `chaos: --faults "${flags.faults}" must be all or a comma list of kill,pause,partition,membership,gray`,
    );
    return 2;
  }
  const seed = (flags.seed as number | undefined) ?? Math.floor(Math.random() * 2 ** 32);
  const dir =
    flags.dir === undefined ? mkdtempSync(join(tmpdir(), 'raftkv-chaos-')) : resolve(flags.dir as string);
  mkdirSync(dir, { recursive: true });
  console.log(`chaos: seed ${seed}; data, logs and reports in ${dir}`);
  const result = await runChaos({
    nodes: flags.nodes as number,
    durationMs: (flags.duration as number) * 1000,
    families,
    seed,
    clients: flags.clients as number,
    keys: flags.keys as number,
    dir,
    electionTimeoutMs: flags.electionTimeoutMs as number,
    heartbeatIntervalMs: flags.heartbeatIntervalMs as number,
    snapshotThresholdEntries: flags.snapshotThresholdEntries as number,
    throttleKbitPerSecond: flags.throttleKbps as number,
    clientTimeoutMs: flags.clientTimeoutMs as number,
    recoveryMs: 5000,
    checkMaxSteps: 500_000_000,
    checkTimeBudgetMs: (flags.checkSeconds as number) * 1000,
    log: (line) => console.log(`chaos: ${line}`),
  });
  console.log(result.text);
  console.log(`chaos: report ${join(dir, 'report.txt')}, timeline ${join(dir, 'timeline.html')}`);
  console.log(`chaos: replay the schedule with --seed ${seed}`);
  return verdictFailures(result.report).length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos: run failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
