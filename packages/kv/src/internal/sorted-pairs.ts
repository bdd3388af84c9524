// Binary search and merge over arrays of key/value pairs sorted by unsigned key bytes, for the
// in-memory store double. Pure functions; they never reorder or mutate the arrays they are given.
import { compareBytes } from './bytes.js';

/** A stored pair; `value` undefined marks a staged deletion. */
export interface Pair {
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
}

/** The first position whose key is ≥ `key` (pairs.length when none). */
export function lowerBound(pairs: readonly Pair[], key: Uint8Array): number {
  let low = 0;
  let high = pairs.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareBytes(pairs[middle]!.key, key) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The pair with exactly `key`, if any. */
export function findPair(pairs: readonly Pair[], key: Uint8Array): Pair | undefined {
  const position = lowerBound(pairs, key);
  const pair = pairs[position];
  return pair !== undefined && compareBytes(pair.key, key) === 0 ? pair : undefined;
}

/** Inserts or replaces the pair for `pair.key`, keeping `pairs` sorted and keys unique. */
export function upsertPair(pairs: Pair[], pair: Pair): void {
  const position = lowerBound(pairs, pair.key);
  const existing = pairs[position];
  if (existing !== undefined && compareBytes(existing.key, pair.key) === 0) pairs[position] = pair;
  else pairs.splice(position, 0, pair);
}

export function removePair(pairs: Pair[], key: Uint8Array): void {
  const position = lowerBound(pairs, key);
  const existing = pairs[position];
  if (existing !== undefined && compareBytes(existing.key, key) === 0) pairs.splice(position, 1);
}

/**
 * `committed` with `staged` applied (a staged deletion removes its key), both sorted; a new array.
 * One linear merge, so a large batch costs O(committed + staged) instead of one splice per write.
 */
export function mergePairs(committed: readonly Pair[], staged: readonly Pair[]): Pair[] {
  const result: Pair[] = [];
  let committedPosition = 0;
  let stagedPosition = 0;
  while (committedPosition < committed.length || stagedPosition < staged.length) {
    const fromCommitted = committed[committedPosition];
    const fromStaged = staged[stagedPosition];
    const order =
      fromCommitted === undefined
        ? 1
        : fromStaged === undefined
          ? -1
          : compareBytes(fromCommitted.key, fromStaged.key);
    if (order <= 0) committedPosition++;
    if (order >= 0) stagedPosition++;
    const chosen = order < 0 ? fromCommitted! : fromStaged!;
    if (chosen.value !== undefined) result.push(chosen);
  }
  return result;
}

const isBefore = (key: Uint8Array, end: Uint8Array | null): boolean =>
  end === null || compareBytes(key, end) < 0;

/**
 * Pairs with start ≤ key < end from `committed`, overlaid by `staged` (a staged pair wins over a
 * committed one with the same key; a staged deletion hides it), ascending, at most `limit`.
 */
export function mergeRange(
  committed: readonly Pair[],
  staged: readonly Pair[],
  start: Uint8Array,
  end: Uint8Array | null,
  limit: number,
): Array<[Uint8Array, Uint8Array]> {
  const result: Array<[Uint8Array, Uint8Array]> = [];
  let committedPosition = lowerBound(committed, start);
  let stagedPosition = lowerBound(staged, start);
  while (result.length < limit) {
    const fromCommitted = committed[committedPosition];
    const fromStaged = staged[stagedPosition];
    const committedPair =
      fromCommitted !== undefined && isBefore(fromCommitted.key, end) ? fromCommitted : undefined;
    const stagedPair = fromStaged !== undefined && isBefore(fromStaged.key, end) ? fromStaged : undefined;
    if (committedPair === undefined && stagedPair === undefined) break;
    const order =
      committedPair === undefined
        ? 1
        : stagedPair === undefined
          ? -1
          : compareBytes(committedPair.key, stagedPair.key);
    const chosen = order < 0 ? committedPair! : stagedPair!;
    if (order <= 0) committedPosition++;
    if (order >= 0) stagedPosition++;
    if (chosen.value !== undefined) result.push([chosen.key, chosen.value]);
  }
  return result;
}
