// A latency histogram in the style of HdrHistogram: log-linear buckets over whole microseconds with
// 7 significant bits (≤ 0.8% relative error), exact min/max, mergeable across processes. No I/O.

/** Values below this are recorded exactly; above it each power of two is split into 64 buckets. */
const subBucketCount = 128;
const subBucketHalf = 64;
/** Enough buckets for 2^31 µs (≈ 36 minutes). */
export const bucketCount = subBucketCount + 24 * subBucketHalf;
/** Larger values are recorded as this (the bucket arithmetic is 32-bit); max still reports exactly. */
const valueMaxMicros = 2 ** 31 - 1;

export interface HistogramData {
  readonly counts: readonly number[];
  readonly total: number;
  readonly minMicros: number;
  readonly maxMicros: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export function bucketIndex(micros: number): number {
  const value = Math.min(Math.max(0, Math.floor(micros)), valueMaxMicros);
  if (value < subBucketCount) return value;
  const shift = 31 - Math.clz32(value) - 6; // value >> shift lies in [64, 127]
  const index = subBucketCount + (shift - 1) * subBucketHalf + ((value >>> shift) - subBucketHalf);
  return Math.min(index, bucketCount - 1);
}

/** The highest value that lands in bucket `index` (HdrHistogram's "highest equivalent value"). */
export function bucketHighestMicros(index: number): number {
  if (index < subBucketCount) return index;
  const shift = Math.floor((index - subBucketCount) / subBucketHalf) + 1;
  const sub = ((index - subBucketCount) % subBucketHalf) + subBucketHalf;
  return (sub + 1) * 2 ** shift - 1;
}

export class Histogram {
  private counts = new Float64Array(bucketCount);
  private totalCount = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;

  get total(): number {
    return this.totalCount;
  }

  record(micros: number): void {
    this.counts[bucketIndex(micros)]! += 1;
    this.totalCount += 1;
    if (micros < this.min) this.min = micros;
    if (micros > this.max) this.max = micros;
  }

  reset(): void {
    this.counts.fill(0);
    this.totalCount = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = 0;
  }

  merge(data: HistogramData): void {
    if (data.counts.length !== bucketCount) throw new RangeError('histogram bucket layout differs');
    for (let index = 0; index < bucketCount; index += 1) this.counts[index]! += data.counts[index]!;
    this.totalCount += data.total;
    if (data.total > 0) {
      this.min = Math.min(this.min, data.minMicros);
      this.max = Math.max(this.max, data.maxMicros);
    }
  }

  toData(): HistogramData {
    return {
      counts: Array.from(this.counts),
      total: this.totalCount,
      minMicros: this.totalCount === 0 ? 0 : this.min,
      maxMicros: this.max,
    };
  }

  /** The smallest bucket value at or below which `percent` of the samples lie; never above max. */
  percentileMicros(percent: number): number {
    if (this.totalCount === 0) return 0;
    const rank = Math.max(1, Math.ceil((percent / 100) * this.totalCount));
    let seen = 0;
    for (let index = 0; index < bucketCount; index += 1) {
      seen += this.counts[index]!;
      if (seen >= rank) return Math.min(bucketHighestMicros(index), this.max);
    }
    return this.max;
  }

  percentiles(): Percentiles {
    return {
      p50: this.percentileMicros(50),
      p90: this.percentileMicros(90),
      p99: this.percentileMicros(99),
      p999: this.percentileMicros(99.9),
      max: this.max,
    };
  }
}
