// The set of calls linearized so far: a bitset with an incremental (Zobrist) hash, described compactly as
// leading full words plus a short tail. Knows nothing of models or histories.

/** A 32-bit avalanche of `value` (the MurmurHash3 finaliser): deterministic per-bit hash material. */
function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const fullWord = 0xffffffff;

export class LinearizedSet {
  private readonly words: Uint32Array;
  private hashHigh = 0;
  private hashLow = 0;
  /** Words [0, fullWords) are all ones; the set is fully described by fullWords and the tail after. */
  private fullWordCount = 0;
  /** Words from endWords on are all zero. */
  private endWords = 0;

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  /** A 53-bit hash of the set: equal sets always hash equal; unequal sets rarely collide. */
  get hash(): number {
    return (this.hashHigh >>> 0) * 0x200000 + (this.hashLow >>> 11);
  }

  has(index: number): boolean {
    return (this.words[index >>> 5]! & (1 << (index & 31))) !== 0;
  }

  add(index: number): void {
    const word = index >>> 5;
    this.words[word]! |= 1 << (index & 31);
    this.toggleHash(index);
    if (word >= this.endWords) this.endWords = word + 1;
    while (this.fullWordCount < this.endWords && this.words[this.fullWordCount] === fullWord)
      this.fullWordCount += 1;
  }

  remove(index: number): void {
    const word = index >>> 5;
    this.words[word]! &= ~(1 << (index & 31));
    this.toggleHash(index);
    if (word < this.fullWordCount) this.fullWordCount = word;
    while (this.endWords > this.fullWordCount && this.words[this.endWords - 1] === 0) this.endWords -= 1;
  }

  get fullWords(): number {
    return this.fullWordCount;
  }

  /** How many words follow the full ones up to the last non-zero word. */
  get tailLength(): number {
    return this.endWords - this.fullWordCount;
  }

  copyTail(target: Uint32Array, offset: number): void {
    target.set(this.words.subarray(this.fullWordCount, this.endWords), offset);
  }

  tailEquals(source: Uint32Array, offset: number, length: number): boolean {
    if (length !== this.endWords - this.fullWordCount) return false;
    for (let i = 0; i < length; i += 1) {
      if (source[offset + i] !== this.words[this.fullWordCount + i]) return false;
    }
    return true;
  }

  private toggleHash(index: number): void {
    this.hashHigh ^= mix32(2 * index + 1);
    this.hashLow ^= mix32(2 * index + 0x9e3779b9);
  }
}
