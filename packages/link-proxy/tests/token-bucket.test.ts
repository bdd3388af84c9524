// The token bucket that shapes a throttled link: a full burst at first, refills at the rate up to
// the burst, tells how long until enough tokens are back, and refuses a nonsensical shape.
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../src/token-bucket.js';

describe('TokenBucket', () => {
  it('grants the burst at once, then nothing until time passes', () => {
    const bucket = new TokenBucket(1000, 300, 0);
    expect(bucket.take(500, 0)).toBe(300);
    expect(bucket.take(500, 0)).toBe(0);
    expect(bucket.msUntil(100, 0)).toBe(100);
  });

  it('refills at the rate, never beyond the burst', () => {
    const bucket = new TokenBucket(1000, 300, 0);
    bucket.take(300, 0);
    expect(bucket.take(1000, 50)).toBe(50);
    expect(bucket.take(1000, 10_000)).toBe(300);
    expect(bucket.msUntil(10_000, 10_000)).toBe(300);
  });

  it('over a long stretch passes rate × time plus one burst', () => {
    const bucket = new TokenBucket(32_000, 1600, 0);
    let passed = 0;
    for (let now = 0; now <= 10_000; now += 7) passed += bucket.take(4096, now);
    expect(passed).toBeGreaterThan(32_000 * 10 - 100);
    expect(passed).toBeLessThanOrEqual(32_000 * 10 + 1600);
  });

  it('ignores a clock that goes back and refuses a zero rate or burst', () => {
    const bucket = new TokenBucket(1000, 100, 1000);
    bucket.take(100, 1000);
    expect(bucket.take(100, 500)).toBe(0);
    expect(bucket.take(100, 1050)).toBe(50);
    expect(() => new TokenBucket(0, 100, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(100, 0, 0)).toThrow(RangeError);
  });
});
