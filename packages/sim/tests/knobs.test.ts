// Unit tests of knob drawing: one seed gives one set of knobs, printed as one line.
import { SeededPrng } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import { describeKnobs, drawKnobs, faultFamilies } from '../src/internal/knobs.js';
import { drawThrottleKnobs } from '../src/internal/throttle.js';

describe('knobs', () => {
  it('the same seed draws the same knobs; different seeds vary them', () => {
    expect(drawKnobs(new SeededPrng(5))).toEqual(drawKnobs(new SeededPrng(5)));
    const nodeCounts = new Set(
      Array.from({ length: 40 }, (_, seed) => drawKnobs(new SeededPrng(seed)).nodeCount),
    );
    expect(nodeCounts).toEqual(new Set([3, 5]));
  });

  it('the summary is one line naming the seed and every fault rate', () => {
    const summary = describeKnobs(42, drawKnobs(new SeededPrng(42)));
    expect(summary).not.toContain('\n');
    for (const knob of [
      'seed=42',
      'nodes=',
      'loss=',
      'dup=',
      'delay=',
      'partitions=',
      'crash=',
      'persistCrash=',
      'powerLoss=',
      'bitFlip=',
      'walSegment=',
      'ops=',
      'families=',
      'longDelay=',
      'readHeavy=',
    ]) {
      expect(summary).toContain(knob);
    }
  });

  it('keeps delays and durations within sane bounds for every seed', () => {
    for (let seed = 0; seed < 200; seed += 1) {
      const knobs = drawKnobs(new SeededPrng(seed));
      expect(knobs.network.delayStepsMin).toBeLessThanOrEqual(knobs.network.delayStepsMax);
      expect(knobs.partitions.durationStepsMin).toBeLessThanOrEqual(knobs.partitions.durationStepsMax);
      expect(knobs.crashes.downStepsMin).toBeLessThanOrEqual(knobs.crashes.downStepsMax);
      expect(knobs.stepsPerTick * (1 - knobs.tickSkew)).toBeGreaterThanOrEqual(1);
    }
  });

  it('sets the starvation lag bound above two normal round trips at the fastest tick (paper §5.6)', () => {
    for (let seed = 0; seed < 200; seed += 1) {
      const knobs = drawKnobs(new SeededPrng(seed));
      const fastestTickSteps = knobs.stepsPerTick * (1 - knobs.tickSkew);
      const roundTripSteps = 2 * knobs.network.delayStepsMax;
      expect(knobs.raft.starvationLagTicks * fastestTickSteps, `seed ${seed}`).toBeGreaterThanOrEqual(
        2 * roundTripSteps,
      );
      expect(describeKnobs(seed, knobs)).toContain(`starvationLag=${knobs.raft.starvationLagTicks}t `);
    }
  });

  it('swarm: the fault families drawn are the same for the same seed, and named in the summary', () => {
    for (let seed = 0; seed < 50; seed += 1) {
      const knobs = drawKnobs(new SeededPrng(seed));
      expect(knobs.families).toEqual(drawKnobs(new SeededPrng(seed)).families);
      const on = faultFamilies.filter((family) => knobs.families[family]);
      expect(describeKnobs(seed, knobs)).toContain(`families=${on.length === 0 ? 'none' : on.join(',')} `);
    }
  });

  it('swarm: across seeds every family is both on and off, and a family that is off injects nothing', () => {
    const seen = new Map(faultFamilies.map((family) => [family, new Set<boolean>()]));
    for (let seed = 0; seed < 200; seed += 1) {
      const knobs = drawKnobs(new SeededPrng(seed));
      const { network, partitions, crashes, workload, storage } = knobs;
      const electionSteps = knobs.raft.electionTimeoutTicks * knobs.stepsPerTick;
      for (const family of faultFamilies) seen.get(family)!.add(knobs.families[family]);
      const rates: Record<(typeof faultFamilies)[number], number[]> = {
        loss: [network.lossRate],
        duplication: [network.duplicationRate],
        longDelays: [network.longDelayShare],
        partitions: [partitions.startRatePerStep],
        crashes: [crashes.crashRatePerNodeStep],
        pauses: [crashes.pauseRatePerNodeStep],
        persistCrashes: [crashes.persistCrashBeforeWriteRate, crashes.persistCrashAfterWriteRate],
        applyCrashes: [crashes.applyCrashRate],
        membership: [workload.membershipChangeRatePerStep],
        transfers: [workload.leadershipTransferRatePerStep, workload.transferOnPartitionShare],
        readHeavy: [workload.readHeavyStretchSteps],
        powerLoss: [storage.powerLossRatePerNodeStep, storage.powerLossInSyncRate],
        wholeClusterPowerLoss: [storage.wholeClusterPowerLossRatePerStep],
        bitFlips: [storage.bitFlipRate],
        throttle: [
          drawThrottleKnobs(new SeededPrng(seed), electionSteps, knobs.families.throttle).startRatePerStep,
        ],
      };
      for (const family of faultFamilies) {
        const [first, ...rest] = rates[family];
        if (knobs.families[family]) expect(first, `${family} on, seed ${seed}`).toBeGreaterThan(0);
        else expect([first, ...rest], `${family} off, seed ${seed}`).toEqual(rates[family].map(() => 0));
      }
    }
    for (const family of faultFamilies) expect([...seen.get(family)!].sort(), family).toEqual([false, true]);
  });

  it('long delays reach past the short ones, up to several election timeouts', () => {
    for (let seed = 0; seed < 200; seed += 1) {
      const knobs = drawKnobs(new SeededPrng(seed));
      const electionSteps = knobs.raft.electionTimeoutTicks * knobs.stepsPerTick;
      expect(knobs.network.longDelayStepsMax).toBeGreaterThan(knobs.network.delayStepsMax);
      expect(knobs.network.longDelayStepsMax).toBeLessThanOrEqual(4 * electionSteps);
    }
  });
});
