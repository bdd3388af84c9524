// The keys and values a workload uses and which operation comes next: fixed-width keys "k000…n",
// one random value reused for every put, a small xorshift generator for key and read/write choice.
import { randomBytes } from 'node:crypto';
import type { LoadDriver } from './load-driver.js';
import type { Workload } from './options.js';

export interface KeySpace {
  readonly keyCount: number;
  readonly keyBytes: number;
  readonly valueBytes: number;
}

export function makeKeys(space: KeySpace): Buffer[] {
  return Array.from({ length: space.keyCount }, (_, index) =>
    Buffer.from(`k${String(index).padStart(space.keyBytes - 1, '0')}`),
  );
}

export function makeValue(space: KeySpace): Buffer {
  return randomBytes(space.valueBytes);
}

/** xorshift32; deterministic for a seed, good enough to spread keys. */
export function nextRandom(state: Uint32Array): number {
  let x = state[0]!;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state[0] = x;
  return (x >>> 0) / 4_294_967_296;
}

/** Issues the workload's next request through `driver`. */
export function issue(
  driver: LoadDriver,
  workload: Workload,
  keys: readonly Buffer[],
  value: Buffer,
  random: Uint32Array,
): Promise<unknown> {
  const key = keys[Math.floor(nextRandom(random) * keys.length)]!;
  const read =
    workload.operation === 'get' ||
    (workload.operation === 'mixed' && nextRandom(random) < workload.readRatio);
  return read ? driver.get(key, workload.consistency) : driver.put(key, value);
}

/** Writes every key once (so gets find values), `inFlight` at a time. */
export async function prefill(
  driver: LoadDriver,
  keys: readonly Buffer[],
  value: Buffer,
  inFlight: number,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next]!;
      next += 1;
      await driver.put(key, value);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, keys.length) }, lane));
}
