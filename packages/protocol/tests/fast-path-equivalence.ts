// Test support shared by the decode fast-path tests: a seeded draw of choices, and the check that
// whatever a fast path accepts, zod accepts too and returns an equal value. Test-only.
import { SeededPrng } from '@raftkv/raft';
import { expect } from 'vitest';
import type { z } from 'zod';

/** A uniform pick, an integer below `below`, and a coin with probability `p`, all from one seeded PRNG. */
export class SeededDraw {
  private readonly prng: SeededPrng;

  constructor(seed: number) {
    this.prng = new SeededPrng(seed);
  }
  below(below: number): number {
    return this.prng.nextInt(below);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
  chance(p: number): boolean {
    return this.below(1_000_000) < p * 1_000_000;
  }
}

/** Whatever the fast check accepts, zod accepts and returns an equal value. Returns whether it accepted. */
export function agreesWithSchema(
  input: unknown,
  isCommon: (value: unknown) => boolean,
  schema: z.ZodType,
): boolean {
  if (!isCommon(input)) return false;
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new Error(`zod refused what the fast path accepted: ${show(input)}`);
  expect(input).toStrictEqual(parsed.data);
  return true;
}

/** A short printable form of a decoded value (bytes as their length). */
export function show(value: unknown): string {
  return String(
    JSON.stringify(value, (_key, field) => (field instanceof Uint8Array ? `<${field.length} bytes>` : field)),
  ).slice(0, 2000);
}
