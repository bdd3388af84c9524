// Lowe's memoisation, extended for unknown outcomes: prune a configuration when one with the same definite
// calls and state, using a subset of its unknown calls, was explored. Compact arena storage; no mutation.
import type { LinearizedSet } from './linearized-set.js';
import type { StateKey } from './model.js';

const initialCapacity = 1024;

const grown = (array: Int32Array<ArrayBuffer>, minimum: number): Int32Array<ArrayBuffer> => {
  const bigger = new Int32Array(Math.max(minimum, array.length * 2));
  bigger.set(array);
  return bigger;
};

export class ConfigurationCache {
  /** Hash of a definite set → the newest configuration with it; older ones chain through `nextInChain`. */
  private readonly newestByHash = new Map<number, number>();
  private nextInChain = new Int32Array(initialCapacity);
  private fullWords = new Int32Array(initialCapacity);
  private tailStart = new Int32Array(initialCapacity);
  private tailLength = new Int32Array(initialCapacity);
  /** Where each configuration's unknown-call set starts in the arena (its length is `unknownWords`). */
  private unknownStart = new Int32Array(initialCapacity);
  private readonly stateKeys: StateKey[] = [];
  private arena = new Uint32Array(initialCapacity);
  private arenaUsed = 0;
  private count = 0;

  /** `unknownUsed` is a bitset over the calls with an unknown outcome; its length never changes. */
  constructor(private readonly unknownWords: number) {}

  /**
   * Records the configuration; returns whether it is new (false: prune). Sound because a call with
   * an unknown outcome may also never take effect: whatever completes the history from a
   * configuration that used more unknown calls also completes it from one that used fewer.
   */
  maybeAdd(definite: LinearizedSet, unknownUsed: Uint32Array, stateKey: StateKey): boolean {
    const hash = definite.hash;
    const newest = this.newestByHash.get(hash);
    for (let known = newest ?? -1; known !== -1; known = this.nextInChain[known]!) {
      if (this.stateKeys[known] !== stateKey || this.fullWords[known] !== definite.fullWords) continue;
      if (!definite.tailEquals(this.arena, this.tailStart[known]!, this.tailLength[known]!)) continue;
      if (this.isSubset(this.unknownStart[known]!, unknownUsed)) return false;
    }
    this.store(definite, unknownUsed, stateKey, newest ?? -1);
    this.newestByHash.set(hash, this.count - 1);
    return true;
  }

  private isSubset(start: number, unknownUsed: Uint32Array): boolean {
    for (let i = 0; i < this.unknownWords; i += 1) {
      if ((this.arena[start + i]! & ~unknownUsed[i]!) !== 0) return false;
    }
    return true;
  }

  private store(definite: LinearizedSet, unknownUsed: Uint32Array, stateKey: StateKey, chain: number): void {
    const index = this.count;
    if (index === this.nextInChain.length) {
      this.nextInChain = grown(this.nextInChain, index + 1);
      this.fullWords = grown(this.fullWords, index + 1);
      this.tailStart = grown(this.tailStart, index + 1);
      this.tailLength = grown(this.tailLength, index + 1);
      this.unknownStart = grown(this.unknownStart, index + 1);
    }
    const tailLength = definite.tailLength;
    this.reserveArena(tailLength + this.unknownWords);
    definite.copyTail(this.arena, this.arenaUsed);
    this.arena.set(unknownUsed, this.arenaUsed + tailLength);
    this.nextInChain[index] = chain;
    this.fullWords[index] = definite.fullWords;
    this.tailStart[index] = this.arenaUsed;
    this.tailLength[index] = tailLength;
    this.unknownStart[index] = this.arenaUsed + tailLength;
    this.stateKeys.push(stateKey);
    this.arenaUsed += tailLength + this.unknownWords;
    this.count += 1;
  }

  private reserveArena(words: number): void {
    if (this.arenaUsed + words <= this.arena.length) return;
    const bigger = new Uint32Array(Math.max(this.arenaUsed + words, this.arena.length * 2));
    bigger.set(this.arena);
    this.arena = bigger;
  }
}
