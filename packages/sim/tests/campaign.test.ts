// A campaign of seeds against the production core and actor: every seed must pass every safety
// checker and the liveness phase. The seed range is printed; a failure names the seed to replay.
import { describe, expect, it } from 'vitest';
import { runSeed } from '../src/index.js';

const firstSeed = 1;
const seedCount = 100;

describe('simulation campaign', () => {
  it(`seeds ${firstSeed}..${firstSeed + seedCount - 1} pass every checker and the liveness phase`, () => {
    console.log(`campaign: seeds ${firstSeed}..${firstSeed + seedCount - 1}`);
    const failures: string[] = [];
    let crashes = 0;
    let partitions = 0;
    let commits = 0;
    let sessionRetries = 0;
    let crashesLosingKvWrites = 0;
    let linearizabilityUnknown = 0;
    let deliveredAfterTermChange = 0;
    let concurrentMembershipAttempts = 0;
    let concurrentMembershipRefused = 0;
    let pauses = 0;
    for (let seed = firstSeed; seed < firstSeed + seedCount; seed += 1) {
      const result = runSeed(seed, { trace: 'off' });
      crashes += result.stats.crashes;
      partitions += result.stats.partitions;
      commits += result.stats.commits;
      sessionRetries += result.stats.sessionRetries;
      crashesLosingKvWrites += result.stats.crashesLosingKvWrites;
      linearizabilityUnknown += result.stats.linearizabilityUnknown;
      deliveredAfterTermChange += result.stats.deliveredAfterTermChange;
      concurrentMembershipAttempts += result.stats.concurrentMembershipAttempts;
      concurrentMembershipRefused += result.stats.concurrentMembershipRefused;
      pauses += result.stats.pauses;
      for (const failure of result.failures) {
        failures.push(
          `seed ${seed} [${failure.checker}] ${failure.message} (npm run vopr -- --seed ${seed})`,
        );
      }
    }
    console.log(
      `campaign: ${crashes} crashes (${crashesLosingKvWrites} lost deferred KV writes), ${pauses} pauses, ` +
        `${partitions} partitions, ${commits} acknowledged proposals, ${sessionRetries} session retries, ` +
        `${linearizabilityUnknown} linearizability checks out of budget, ` +
        `${deliveredAfterTermChange} messages delivered after their sender's term changed, ` +
        `${concurrentMembershipAttempts} concurrent membership attempts (${concurrentMembershipRefused} refused)`,
    );
    expect(failures).toEqual([]);
    expect(crashes).toBeGreaterThan(seedCount);
    expect(partitions).toBeGreaterThan(seedCount);
    expect(commits).toBeGreaterThan(seedCount * 20);
    expect(sessionRetries).toBeGreaterThan(seedCount);
    expect(crashesLosingKvWrites).toBeGreaterThan(seedCount / 10);
    expect(linearizabilityUnknown).toBeLessThan(seedCount / 10);
    expect(pauses).toBeGreaterThan(seedCount / 2);
    expect(deliveredAfterTermChange).toBeGreaterThan(seedCount);
    expect(concurrentMembershipAttempts).toBeGreaterThan(seedCount / 10);
    expect(concurrentMembershipRefused).toBeGreaterThan(0);
  }, 120_000);
});
