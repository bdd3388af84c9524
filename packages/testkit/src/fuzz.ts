// Fuzzing at trust boundaries with fast-check: byte inputs (random, and valid encodings mutated by
// bit flips, cuts, insertions, lying length headers and deep nesting), a seeded run per decoder that
// prints its counts, and the rule every decoder must keep: a value or a typed error, never another throw.
import fc from 'fast-check';

/** Inputs per decoder: RAFTKV_FUZZ_RUNS (`npm run fuzz` sets 100,000), else the CI-sized default. */
export function fuzzRuns(ciRuns = 2000): number {
  const text = process.env.RAFTKV_FUZZ_RUNS;
  if (text === undefined || text === '') return ciRuns;
  const runs = Number(text);
  if (!Number.isSafeInteger(runs) || runs < 1)
    throw new Error(`RAFTKV_FUZZ_RUNS must be a positive integer, got '${text}'`);
  return runs;
}

/** A hang guard for one fuzz test, not a speed bound: 20 ms an input, at least 60 s. */
export function fuzzTimeoutMs(runs = fuzzRuns()): number {
  return Math.max(60_000, runs * 20);
}

/** The run's seed: RAFTKV_FUZZ_SEED to replay one, else a fresh one (printed by fuzzDecoder). */
export function fuzzSeed(): number {
  const text = process.env.RAFTKV_FUZZ_SEED;
  if (text === undefined || text === '') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`RAFTKV_FUZZ_SEED must be an integer, got '${text}'`);
  return seed;
}

/**
 * MessagePack headers and a u32 that declare far more than follows (str32, bin32, array32, map32,
 * bin16, ext32, a little-endian length of 2^31): a decoder that allocates what a header declares
 * before checking the bytes are there fails on these.
 */
const lyingHeaders: readonly number[][] = [
  [0xdb, 0xff, 0xff, 0xff, 0xff],
  [0xc6, 0xff, 0xff, 0xff, 0xff],
  [0xdd, 0x7f, 0xff, 0xff, 0xff],
  [0xdf, 0x7f, 0xff, 0xff, 0xff],
  [0xc5, 0xff, 0xff],
  [0xc9, 0x7f, 0xff, 0xff, 0xff, 0x01],
  [0x00, 0x00, 0x00, 0x80],
  [0xff, 0xff, 0xff, 0xff],
];

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'lie'; readonly at: number; readonly header: readonly number[] }
  | { readonly kind: 'repeat'; readonly at: number; readonly length: number }
  | { readonly kind: 'nest'; readonly depth: number; readonly marker: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('flip' as const),
      at: fc.nat(),
      bit: fc.integer({ min: 0, max: 7 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('lie' as const),
      at: fc.nat(),
      header: fc.constantFrom(...lyingHeaders),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('repeat' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 64 }),
    }),
    weight: 1,
  },
  {
    // Deep nesting: fixarray(1) / fixmap(1) / a frame-pack-like marker repeated, then the input.
    arbitrary: fc.record({
      kind: fc.constant('nest' as const),
      depth: fc.integer({ min: 100, max: 20_000 }),
      marker: fc.constantFrom(0x91, 0x81, 0xc1),
    }),
    weight: 1,
  },
);

function applyMutation(bytes: Uint8Array, change: Mutation): Uint8Array {
  const at = (position: number) => (bytes.length === 0 ? 0 : position % (bytes.length + 1));
  switch (change.kind) {
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const copy = new Uint8Array(bytes);
      const index = change.at % bytes.length;
      copy[index] = copy[index]! ^ (1 << change.bit);
      return copy;
    }
    case 'cut':
      return bytes.subarray(0, at(change.at));
    case 'insert':
      return concat(bytes.subarray(0, at(change.at)), change.bytes, bytes.subarray(at(change.at)));
    case 'lie': {
      const start = at(change.at);
      const copy = new Uint8Array(bytes);
      copy.set(change.header.slice(0, Math.max(0, copy.length - start)), start);
      return copy.length >= start + change.header.length
        ? copy
        : concat(copy.subarray(0, start), Uint8Array.from(change.header));
    }
    case 'repeat': {
      const start = at(change.at);
      const slice = bytes.subarray(start, start + change.length);
      return concat(bytes.subarray(0, start + slice.length), slice, bytes.subarray(start + slice.length));
    }
    case 'nest':
      return concat(new Uint8Array(change.depth).fill(change.marker), bytes);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Untrusted bytes for a decoder: random bytes (a quarter), the valid samples as they are (a tenth),
 * and the samples under one to four mutations.
 */
export function fuzzBytes(samples: readonly Uint8Array[], randomLengthMax = 512): fc.Arbitrary<Uint8Array> {
  if (samples.length === 0) throw new Error('fuzzBytes needs at least one valid sample');
  // Plain copies: a Node Buffer's slice() is a view, and no input may write into a sample.
  const sample = fc.constantFrom(...samples.map((bytes) => new Uint8Array(bytes)));
  return fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: randomLengthMax }), weight: 5 },
    { arbitrary: sample, weight: 2 },
    {
      arbitrary: fc
        .tuple(sample, fc.array(mutation, { minLength: 1, maxLength: 4 }))
        .map(([bytes, changes]) => changes.reduce(applyMutation, bytes)),
      weight: 13,
    },
  );
}

/** What a decoder did with one input: decoded it, or refused it with a typed error (named by `kind`). */
export type FuzzOutcome = { readonly accepted: true } | { readonly accepted: false; readonly kind: string };

export interface FuzzReport {
  readonly decoder: string;
  readonly seed: number;
  readonly runs: number;
  readonly accepted: number;
  readonly refused: ReadonlyMap<string, number>;
}

/**
 * Runs `decode` on `runs` inputs from `inputs`. `decode` returns its outcome, or throws when the
 * decoder broke its contract (an untyped error, a wrong value); fast-check then shrinks the input
 * and the thrown message names the seed and the counter-example. Prints one line of counts.
 */
export function fuzzDecoder<T>(
  decoder: string,
  inputs: fc.Arbitrary<T>,
  decode: (input: T) => FuzzOutcome,
  options: { readonly runs?: number; readonly seed?: number } = {},
): FuzzReport {
  const runs = options.runs ?? fuzzRuns();
  const seed = options.seed ?? fuzzSeed();
  let accepted = 0;
  const refused = new Map<string, number>();
  console.log(`fuzz ${decoder}: ${runs} inputs, seed ${seed} (replay: RAFTKV_FUZZ_SEED=${seed})`);
  fc.assert(
    fc.property(inputs, (input) => {
      const outcome = decode(input);
      if (outcome.accepted) accepted += 1;
      else refused.set(outcome.kind, (refused.get(outcome.kind) ?? 0) + 1);
    }),
    { seed, numRuns: runs, endOnFailure: false },
  );
  const refusals = [...refused].map(([kind, count]) => `${kind} ${count}`).join(', ');
  console.log(`fuzz ${decoder}: ${runs} inputs, ${accepted} decoded, refused: ${refusals || 'none'}`);
  return { decoder, seed, runs, accepted, refused };
}
