// Runs the simulator over a range of seeds and totals the faults it injected; collects every
// failing seed with its first violation. Deterministic per seed; the caller measures time.
import { type RunResult, runSeed, type SimulationStats } from '@raftkv/sim';

export interface SeedFailure {
  readonly seed: number;
  readonly message: string;
}

export interface FaultTotals {
  steps: number;
  ticks: number;
  messages: number;
  dropped: number;
  duplicated: number;
  delayedLong: number;
  deliveredAfterTermChange: number;
  crashes: number;
  crashesInPersist: number;
  crashesInApply: number;
  powerLosses: number;
  wholeClusterPowerLosses: number;
  tornWrites: number;
  writesLostToPowerLoss: number;
  bitFlips: number;
  corruptionsRefused: number;
  pauses: number;
  restarts: number;
  partitions: number;
  throttles: number;
  elections: number;
  commits: number;
  sessionRetries: number;
  crashesLosingKvWrites: number;
  linearizabilityUnknown: number;
  readsServed: number;
  membershipChanges: number;
  concurrentMembershipAttempts: number;
  concurrentMembershipRefused: number;
  transfers: number;
  snapshotsInstalled: number;
}

export interface CampaignResult {
  readonly seedsPassed: number;
  readonly seedsFailed: number;
  readonly failures: SeedFailure[];
  readonly faults: FaultTotals;
}

export const emptyTotals = (): FaultTotals => ({
  steps: 0,
  ticks: 0,
  messages: 0,
  dropped: 0,
  duplicated: 0,
  delayedLong: 0,
  deliveredAfterTermChange: 0,
  crashes: 0,
  crashesInPersist: 0,
  crashesInApply: 0,
  powerLosses: 0,
  wholeClusterPowerLosses: 0,
  tornWrites: 0,
  writesLostToPowerLoss: 0,
  bitFlips: 0,
  corruptionsRefused: 0,
  pauses: 0,
  restarts: 0,
  partitions: 0,
  throttles: 0,
  elections: 0,
  commits: 0,
  sessionRetries: 0,
  crashesLosingKvWrites: 0,
  linearizabilityUnknown: 0,
  readsServed: 0,
  membershipChanges: 0,
  concurrentMembershipAttempts: 0,
  concurrentMembershipRefused: 0,
  transfers: 0,
  snapshotsInstalled: 0,
});

export function addStats(totals: FaultTotals, stats: SimulationStats): void {
  for (const key of Object.keys(totals) as Array<keyof FaultTotals>) totals[key] += stats[key];
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
