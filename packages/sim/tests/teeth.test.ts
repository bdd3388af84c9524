// Teeth: each deliberately broken variant of the core, actor or KV session table must be caught by
// the simulator's generic checkers within a bounded number of seeds. A fault profile may make the violation likely;
// the checker is never variant-specific. A liveness failure alone does not count as a catch.
import { type BrokenVariant, brokenVariants, setBrokenVariant } from '@raftkv/raft/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type AlarmKnobs, runSeed, type SimulationKnobs } from '../src/index.js';
import { defaultCampaignVariants, storageCampaignVariants } from './default-campaign-variants.js';

const seedsMax = 200;

/** Figure 8 (paper §5.4.2): one entry per message, frequent leader crashes, no pre-vote or lease. */
const figure8Profile = (knobs: SimulationKnobs): SimulationKnobs => ({
  ...knobs,
  nodeCount: 5,
  stepsPerTick: 2,
  raft: {
    ...knobs.raft,
    electionTimeoutTicks: 4,
    preVote: false,
    checkQuorum: false,
    maxMessageEntriesBytes: 48,
    maxInflightMessages: 1,
  },
  network: { ...knobs.network, lossRate: 0.05, delayStepsMax: 2 },
  partitions: { ...knobs.partitions, startRatePerStep: 1 / 100, concurrentMax: 2 },
  crashes: { ...knobs.crashes, crashRatePerNodeStep: 1 / 100, downStepsMin: 2, downStepsMax: 40 },
  workload: {
    ...knobs.workload,
    operationRatePerStep: 0.5,
    readShare: 0,
    membershipChangeRatePerStep: 0,
    leadershipTransferRatePerStep: 0,
  },
});

/** Frequent crashes in the middle of storage.persist, before the write is durable (thesis §3.8). */
const crashMidPersistProfile = (knobs: SimulationKnobs): SimulationKnobs => ({
  ...knobs,
  crashes: {
    ...knobs.crashes,
    persistCrashBeforeWriteRate: 0.03,
    persistCrashAfterWriteRate: 0,
    downStepsMin: 1,
    downStepsMax: 20,
  },
});

const unchanged = (knobs: SimulationKnobs): SimulationKnobs => knobs;

/** Cluster alarms on in every seed, raised often and held long enough for writes to meet them. */
const frequentAlarms = (knobs: AlarmKnobs): AlarmKnobs => ({
  ...knobs,
  on: true,
  activateRatePerStep: Math.max(knobs.activateRatePerStep, 1 / 200),
});

/**
 * Variants caught within 200 seeds with these profiles; the rest by the default campaign in
 * default-campaign-teeth.test.ts and storage-teeth.test.ts.
 */
const profiles: Partial<Record<BrokenVariant, (knobs: SimulationKnobs) => SimulationKnobs>> = {
  'commit-previous-term-by-counting': figure8Profile,
  'grant-two-votes-per-term': unchanged,
  'skip-log-up-to-date-check': unchanged,
  'acknowledge-before-persisting': crashMidPersistProfile,
  'apply-before-commit': unchanged,
  'session-table-off-by-one': unchanged,
  'serve-read-before-applied': unchanged,
  'alarm-refusal-not-remembered': unchanged,
};

/** Alarm knobs for the variants that need alarms raised (the default draws them in half the seeds). */
const alarmProfiles: Partial<Record<BrokenVariant, (knobs: AlarmKnobs) => AlarmKnobs>> = {
  'alarm-refusal-not-remembered': frequentAlarms,
};

afterEach(() => setBrokenVariant(null));

const profiledVariants = brokenVariants.filter((variant) => profiles[variant] !== undefined);

describe('the simulator has teeth', () => {
  it('every broken variant is covered here or by the default campaign', () => {
    const covered = new Set([...profiledVariants, ...defaultCampaignVariants, ...storageCampaignVariants]);
    expect(brokenVariants.filter((variant) => !covered.has(variant))).toEqual([]);
  });

  it.each(profiledVariants)(
    'catches the broken variant %s within 200 seeds',
    (variant) => {
      setBrokenVariant(variant);
      let caught: string | null = null;
      for (let seed = 1; seed <= seedsMax && caught === null; seed += 1) {
        const tuneAlarms = alarmProfiles[variant];
        const result = runSeed(seed, {
          trace: 'off',
          tuneKnobs: profiles[variant],
          ...(tuneAlarms === undefined ? {} : { tuneAlarms }),
        });
        const safety = result.failures.find((failure) => failure.checker !== 'liveness');
        if (safety !== undefined) caught = `seed ${seed} by ${safety.checker}: ${safety.message}`;
      }
      console.log(
        `${variant}: ${caught === null ? `NOT caught in ${seedsMax} seeds` : `caught at ${caught}`}`,
      );
      expect(caught, `${variant} was not caught within ${seedsMax} seeds`).not.toBeNull();
    },
    120_000,
  );

  it('the default campaign catches session-table-off-by-one within 1000 seeds; the correct code passes them', () => {
    const defaultSeedsMax = 1000;
    setBrokenVariant('session-table-off-by-one');
    let caughtAt: number | null = null;
    for (let seed = 1; seed <= defaultSeedsMax && caughtAt === null; seed += 1) {
      const result = runSeed(seed, { trace: 'off' });
      const safety = result.failures.find((failure) => failure.checker !== 'liveness');
      if (safety === undefined) continue;
      caughtAt = seed;
      console.log(
        `session-table-off-by-one: default campaign caught it at seed ${seed} by ${safety.checker}: ${safety.message}`,
      );
    }
    expect(caughtAt, `not caught within ${defaultSeedsMax} default seeds`).not.toBeNull();
    setBrokenVariant(null);
    for (let seed = 1; seed <= caughtAt!; seed += 1) {
      const result = runSeed(seed, { trace: 'off' });
      expect(result.failures, `seed ${seed} on the correct code`).toEqual([]);
    }
  }, 300_000);

  it('the tuned profiles pass on the correct code (so a catch is the variant, not the profile)', () => {
    for (const profile of [figure8Profile, crashMidPersistProfile]) {
      for (let seed = 1; seed <= 30; seed += 1) {
        const result = runSeed(seed, { trace: 'off', tuneKnobs: profile });
        const safety = result.failures.filter((failure) => failure.checker !== 'liveness');
        expect(safety, `seed ${seed}`).toEqual([]);
      }
    }
    let refusedNoSpace = 0;
    for (let seed = 1; seed <= 15; seed += 1) {
      const result = runSeed(seed, { trace: 'off', tuneAlarms: frequentAlarms });
      const safety = result.failures.filter((failure) => failure.checker !== 'liveness');
      expect(safety, `seed ${seed} with frequent alarms`).toEqual([]);
      refusedNoSpace += result.stats.writesRefusedNoSpace;
    }
    // The alarm profile does what it is for: writes meet applied alarms and are refused.
    console.log(`frequent alarms, seeds 1..15: ${refusedNoSpace} writes refused no-space`);
    expect(refusedNoSpace).toBeGreaterThan(0);
  }, 120_000);
});
