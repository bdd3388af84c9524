// Teeth of the default campaign: each broken variant listed here must be caught by a safety checker
// in seeds 1..1000 of runSeed(seed) with the knobs exactly as drawn (no fault profile), and the
// correct code must pass every seed that was run. The checkers are generic, never variant-specific.
import { setBrokenVariant } from '@raftkv/raft/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { runSeed } from '../src/index.js';
import { defaultCampaignVariants } from './default-campaign-variants.js';

const seedsMax = 1000;

afterEach(() => setBrokenVariant(null));

describe('the default campaign has teeth', () => {
  it.each(defaultCampaignVariants)(
    'catches %s within seeds 1..1000 without a fault profile, and the correct code passes those seeds',
    (variant) => {
      setBrokenVariant(variant);
      let caughtAt: number | null = null;
      let caught = '';
      for (let seed = 1; seed <= seedsMax && caughtAt === null; seed += 1) {
        const result = runSeed(seed, { trace: 'off' });
        const safety = result.failures.find((failure) => failure.checker !== 'liveness');
        if (safety === undefined) continue;
        caughtAt = seed;
        caught = `${safety.checker}: ${safety.message}`;
      }
      console.log(
        `${variant}: ${caughtAt === null ? `NOT caught in seeds 1..${seedsMax}` : `caught at seed ${caughtAt} by ${caught}`}`,
      );
      expect(caughtAt, `${variant} was not caught in seeds 1..${seedsMax}`).not.toBeNull();

      setBrokenVariant(null);
      const failing: string[] = [];
      for (let seed = 1; seed <= (caughtAt ?? 0); seed += 1) {
        const result = runSeed(seed, { trace: 'off' });
        for (const failure of result.failures)
          failing.push(`seed ${seed} [${failure.checker}] ${failure.message}`);
      }
      console.log(`correct code: seeds 1..${caughtAt} run, ${failing.length} failures`);
      expect(failing).toEqual([]);
    },
    300_000,
  );
});
