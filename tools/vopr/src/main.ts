// vopr: runs the deterministic simulator over many seeds, or replays one seed exactly, and prints
// the replay command for every failing seed. Exit 0 = all passed, 1 = a failure, 2 = bad flags.
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runSeed } from '@raftkv/sim';
import { parseVoprArguments, usage } from './arguments.js';
import {
  type CampaignResult,
  emptyTotals,
  type FaultTotals,
  failureMessage,
  runCampaign,
} from './campaign.js';

const replayCommand = (seed: number): string => `npm run vopr -- --seed ${seed}`;

function describeTotals(faults: FaultTotals): string {
  return (
    `faults: ${faults.crashes} crashes (${faults.crashesInPersist} mid-persist, ${faults.crashesInApply} mid-apply, ` +
    `${faults.crashesLosingKvWrites} losing deferred KV writes), ` +
    `${faults.powerLosses} power losses, ${faults.wholeClusterPowerLosses} whole-cluster power losses ` +
    `(${faults.tornWrites} torn writes, ${faults.writesLostToPowerLoss} writes lost), ` +
    `${faults.bitFlips} bit flips (${faults.corruptionsRefused} corrupt logs refused), ` +
    `${faults.pauses} pauses, ${faults.partitions} partitions, ${faults.throttles} leader throttles, ${faults.dropped} of ${faults.messages} messages dropped, ` +
    `${faults.duplicated} duplicated, ${faults.delayedLong} delayed long; ` +
    `exercised: ${faults.deliveredAfterTermChange} messages delivered after their sender's term changed ` +
    `(deliveredAfterTermChange), ${faults.elections} elections, ${faults.commits} acknowledged proposals, ` +
    `${faults.sessionRetries} session retries, ` +
    `${faults.readsServed} linearizable reads (${faults.followerReadsServed} served by followers), ${faults.membershipChanges} membership changes, ` +
    `${faults.concurrentMembershipAttempts} concurrent membership attempts (concurrentMembershipAttempts; ` +
    `${faults.concurrentMembershipRefused} refused as in progress), ` +
    `${faults.transfers} leadership transfers, ${faults.alarmCommands} no-space alarm commands ` +
    `(${faults.writesRefusedNoSpace} writes refused no-space), ` +
    `${faults.snapshotsInstalled} snapshots installed; ${faults.ticks} ticks; ` +
    `linearizability out of budget in ${faults.linearizabilityUnknown} seeds`
  );
}

function writeReport(path: string | null, result: CampaignResult, extra: Record<string, unknown>): void {
  if (path === null) return;
  const { seedsPassed, seedsFailed, failures, faults } = result;
  writeFileSync(
    path,
    `${JSON.stringify({ seedsPassed, seedsFailed, failures, faults, ...extra }, null, 2)}\n`,
  );
}

function campaign(seeds: number, startFlag: number | null, reportPath: string | null): number {
  const start = startFlag ?? randomInt(0, 2 ** 47);
  console.log(`vopr: running ${seeds} seeds ${start}..${start + seeds - 1}`);
  const began = performance.now();
  const result = runCampaign(start, seeds, (run) => {
    if (run.ok) return;
    console.log(`FAIL seed ${run.seed}: ${failureMessage(run)}`);
    console.log(`  ${run.summary}`);
    console.log(`  replay: ${replayCommand(run.seed)}`);
  });
  const elapsedMs = performance.now() - began;
  console.log(describeTotals(result.faults));
  console.log(
    `vopr: ${seeds} seeds (${start}..${start + seeds - 1}): ${result.seedsPassed} passed, ${result.seedsFailed} failed ` +
      `in ${(elapsedMs / 1000).toFixed(1)} s (${(elapsedMs / seeds).toFixed(0)} ms/seed)`,
  );
  writeReport(reportPath, result, { start, seeds, elapsedMs: Math.round(elapsedMs) });
  return result.seedsFailed === 0 ? 0 : 1;
}

function replay(seed: number, verbose: boolean, reportPath: string | null): number {
  const began = performance.now();
  const run = runSeed(seed, verbose ? { trace: 'verbose', writeLine: (line) => console.log(line) } : {});
  const elapsedMs = performance.now() - began;
  console.log(run.summary);
  console.log(`stats: ${JSON.stringify(run.stats)}`);
  console.log(`trace digest: ${run.traceDigest}`);
  for (const failure of run.failures)
    console.log(`FAIL [${failure.checker}] step ${failure.step}: ${failure.message}`);
  console.log(`vopr: seed ${seed} ${run.ok ? 'passed' : 'FAILED'} in ${elapsedMs.toFixed(0)} ms`);
  if (!run.ok) console.log(`replay: ${replayCommand(seed)} --verbose`);
  const faults = emptyTotals();
  for (const key of Object.keys(faults) as Array<keyof FaultTotals>) faults[key] = run.stats[key];
  const failures = run.ok ? [] : [{ seed, message: failureMessage(run) }];
  writeReport(
    reportPath,
    { seedsPassed: run.ok ? 1 : 0, seedsFailed: run.ok ? 0 : 1, failures, faults },
    { seed },
  );
  return run.ok ? 0 : 1;
}

function main(argv: readonly string[]): number {
  const parsed = parseVoprArguments(argv);
  if (!parsed.ok) {
    console.error(`vopr: ${parsed.error}\n${usage}`);
    return 2;
  }
  const { request } = parsed;
  switch (request.kind) {
    case 'help':
      console.log(usage);
      return 0;
    case 'campaign':
      return campaign(request.seeds, request.start, request.reportPath);
    case 'replay':
      return replay(request.seed, request.verbose, request.reportPath);
  }
}

process.exitCode = main(process.argv.slice(2));
