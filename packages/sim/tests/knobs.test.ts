// Unit tests of knob drawing: one seed gives one set of knobs, printed as one line.
import { SeededPrng } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import { describeKnobs, drawKnobs } from '../src/internal/knobs.js';

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
});
