// Runs the simulator over a range of seeds and totals the faults it injected; collects every
// failing seed with its first violation. Deterministic per seed; the caller measures time.
import { type RunResult, runSeed, type SimulationStats } from '@raftkv/sim';

export interface SeedFailure {
  readonly seed: number;
  readonly message: string;
}

export const faultTotalKeys = [
  'steps',
  'ticks',
  'messages',
  'dropped',
  'duplicated',
  'delayedLong',
  'deliveredAfterTermChange',
  'crashes',
  'crashesInPersist',
  'crashesInApply',
  'powerLosses',
  'wholeClusterPowerLosses',
  'tornWrites',
  'writesLostToPowerLoss',
  'bitFlips',
  'corruptionsRefused',
  'pauses',
  'restarts',
  'partitions',
  'throttles',
  'elections',
  'commits',
  'sessionRetries',
  'crashesLosingKvWrites',
  'linearizabilityUnknown',
  'readsServed',
  'followerReadsServed',
  'membershipChanges',
  'concurrentMembershipAttempts',
  'concurrentMembershipRefused',
  'transfers',
  'alarmCommands',
  'writesRefusedNoSpace',
  'snapshotsInstalled',
] as const satisfies ReadonlyArray<keyof SimulationStats>;

/** The run statistics a campaign sums over its seeds (one list of names: faultTotalKeys). */
export type FaultTotals = { -readonly [Key in (typeof faultTotalKeys)[number]]: number };

export interface CampaignResult {
  readonly seedsPassed: number;
  readonly seedsFailed: number;
  readonly failures: SeedFailure[];
  readonly faults: FaultTotals;
}

export const emptyTotals = (): FaultTotals =>
  Object.fromEntries(faultTotalKeys.map((key) => [key, 0])) as FaultTotals;

export function addStats(totals: FaultTotals, stats: SimulationStats): void {
  for (const key of faultTotalKeys) totals[key] += stats[key];
}

/** The first violation of a failed run, as one line naming its checker and step. */
export function failureMessage(result: RunResult): string {
  const first = result.failures[0];
  return first === undefined ? 'no failure' : `[${first.checker}] step ${first.step}: ${first.message}`;
}

export function runCampaign(
  start: number,
  seeds: number,
  onResult: (result: RunResult) => void = () => {},
): CampaignResult {
  const faults = emptyTotals();
  const failures: SeedFailure[] = [];
  let seedsPassed = 0;
  for (let seed = start; seed < start + seeds; seed += 1) {
    const result = runSeed(seed, { trace: 'off' });
    addStats(faults, result.stats);
    if (result.ok) seedsPassed += 1;
    else failures.push({ seed, message: failureMessage(result) });
    onResult(result);
  }
  return { seedsPassed, seedsFailed: failures.length, failures, faults };
}
