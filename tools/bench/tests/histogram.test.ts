// The latency histogram: bucket bounds, percentiles against exact sorted samples, merging. Seeded.
import { describe, expect, test } from 'vitest';
import { bucketCount, bucketHighestMicros, bucketIndex, Histogram } from '../src/histogram.js';

/** The exact nearest-rank percentile of sorted samples. */
function exactPercentile(sorted: readonly number[], percent: number): number {
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[rank - 1]!;
}

describe('Histogram', () => {
  test('every value lies within its bucket and buckets are ordered', () => {
    let previous = -1;
    for (let value = 0; value < 5_000_000; value = Math.floor(value * 1.01) + 1) {
      const index = bucketIndex(value);
      expect(index).toBeGreaterThanOrEqual(previous);
      expect(bucketHighestMicros(index)).toBeGreaterThanOrEqual(value);
      if (index > 0) expect(bucketHighestMicros(index - 1)).toBeLessThan(value);
      previous = index;
    }
    expect(bucketIndex(2 ** 40)).toBe(bucketCount - 1);
  });

  const seed = 20_261_123;
  test(`percentiles are within 1% of exact sorted-sample percentiles (seed=${seed})`, () => {
    let state = seed;
    const random = (): number => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const histogram = new Histogram();
    const samples: number[] = [];
    for (let index = 0; index < 50_000; index += 1) {
      const micros = Math.floor(200 + 10_000 * random() ** 4);
      samples.push(micros);
      histogram.record(micros);
    }
    samples.sort((a, b) => a - b);
    for (const percent of [50, 90, 99, 99.9]) {
      const exact = exactPercentile(samples, percent);
      const approximate = histogram.percentileMicros(percent);
      expect(approximate).toBeGreaterThanOrEqual(exact);
      expect(approximate).toBeLessThanOrEqual(exact * 1.01);
    }
    expect(histogram.percentiles().max).toBe(samples[samples.length - 1]);
  });

  test('small values are exact and p100 is the maximum', () => {
    const histogram = new Histogram();
    for (const micros of [1, 2, 3, 4, 100]) histogram.record(micros);
    expect(histogram.percentileMicros(50)).toBe(3);
    expect(histogram.percentileMicros(100)).toBe(100);
    expect(histogram.total).toBe(5);
  });

  test('merging two histograms equals recording into one', () => {
    const left = new Histogram();
    const right = new Histogram();
    const both = new Histogram();
    for (let micros = 1; micros < 20_000; micros += 37) {
      (micros % 2 === 0 ? left : right).record(micros);
      both.record(micros);
    }
    left.merge(right.toData());
    expect(left.percentiles()).toEqual(both.percentiles());
    expect(left.total).toBe(both.total);
  });

  test('an empty histogram reports zeros', () => {
    expect(new Histogram().percentiles()).toEqual({ p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });
});
