// Teeth for the storage: each broken write-ahead-log or deferred-KV-commit variant must be caught by the DEFAULT campaign
// (runSeed(seed) with the knobs as drawn, no fault profile) within seeds 1..1000, by a safety checker
// (a liveness failure alone is no catch), and the correct code must pass every seed that was run.
import { type BrokenVariant, setBrokenVariant } from '@raftkv/raft/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { runSeed } from '../src/index.js';
import { storageCampaignVariants as variants } from './default-campaign-variants.js';

const seedsMax = 1000;
/** The highest seed each variant needed; the correct code must pass seeds 1..that. */
const seedsRun = new Map<BrokenVariant, number>();

afterEach(() => setBrokenVariant(null));

describe('the default campaign catches broken storage', () => {
  it.each(variants)(
    'catches %s within seeds 1..1000',
    (variant) => {
      setBrokenVariant(variant);
      let caught: string | null = null;
      let seed = 1;
      for (; seed <= seedsMax && caught === null; seed += 1) {
        const result = runSeed(seed, { trace: 'off' });
        const safety = result.failures.find((failure) => failure.checker !== 'liveness');
        if (safety !== undefined) caught = `seed ${seed} by ${safety.checker}: ${safety.message}`;
      }
      seedsRun.set(variant, seed - 1);
      console.log(
        `${variant}: ${caught === null ? `NOT caught in seeds 1..${seedsMax}` : `caught at ${caught}`}`,
      );
      expect(caught, `${variant} was not caught within seeds 1..${seedsMax}`).not.toBeNull();
    },
    600_000,
  );

  it('the correct code passes every seed the variants needed (so a catch is the variant)', () => {
    // Run alone (a -t filter), the variants set nothing: then a fixed 100 seeds.
    const highest = seedsRun.size === 0 ? 100 : Math.max(...seedsRun.values());
    console.log(`correct code: seeds 1..${highest}`);
    for (let seed = 1; seed <= highest; seed += 1) {
      const result = runSeed(seed, { trace: 'off' });
      expect(result.failures, `seed ${seed}: ${result.summary}`).toEqual([]);
    }
  }, 600_000);
});
