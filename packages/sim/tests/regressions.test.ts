// Seeds that once found a bug, replayed with the exact knobs that found it; each must now pass.
import { describe, expect, it } from 'vitest';
import { runSeed, type SimulationKnobs } from '../src/index.js';

/** Pre-vote off, a fast-ticking stale node and wide clock skew (sim finding 1). */
const staleFastCandidate = (knobs: SimulationKnobs): SimulationKnobs => ({
  ...knobs,
  stepsPerTick: 2,
  tickSkew: 0.5,
  raft: { ...knobs.raft, preVote: false },
});

describe('simulator regressions', () => {
  it.each([84, 124, 152])(
    'seed %i: a stale candidate stepping voters to its term does not restart their election timers (fig. 2)',
    (seed) => {
      const result = runSeed(seed, { tuneKnobs: staleFastCandidate });
      expect(result.failures).toEqual([]);
      expect(result.ok).toBe(true);
    },
  );

  it('seed 4197: a retried compare-and-swap that failed the first time is not run again (thesis §6.3)', () => {
    // The KV session kept only results that changed state: a retry of a failed compare ran again
    // after a delete, succeeded, and wrote a value no completed call had written.
    const result = runSeed(4197);
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('seed 7866: the leader keeps the entries a follower receiving a snapshot needs next (paper §7)', () => {
    // Two followers took a 3.8 KB snapshot in 64-byte chunks; the leader compacted past it meanwhile
    // (trailing 0), so each needed a second full transfer and missed the liveness budget.
    const result = runSeed(7866);
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('seed 2478: the leader keeps those entries across a check-quorum window and after the install', () => {
    // Two followers took a 3 KB snapshot at 94 in 64-byte chunks, then needed entries from 95 on;
    // the leader had compacted through 129 (once when a check-quorum window started and no follower
    // was "recently active" yet, again as soon as the transfer finished), so each needed a second
    // full transfer and missed the liveness budget.
    const result = runSeed(2478);
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('seed 2046: a healthy leader is not handed over by a starvation bound below the round trip', () => {
    // The starvation check ran with a lag bound of one tick over links whose normal round trip took
    // up to 1.5 ticks, with one append in flight: after the heal two healthy leaders handed over in
    // turn, each change restarting an 11.3 KB snapshot transfer in 64-byte chunks from its first
    // chunk, and the last follower caught up just past the liveness budget.
    const result = runSeed(2046);
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
