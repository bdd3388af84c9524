// The AppendEntries a leader has sent to one follower and not yet seen acknowledged (etcd
// "inflights"), bounding pipelining by count and bytes (thesis §10.2.2). A ring buffer; no I/O.
import { assert } from '../assert.js';
import type { LogIndex } from '../types.js';

export class Inflights {
  /** Last entry index of each message in flight, oldest first (ring buffer from `start`). */
  private readonly lastIndexes: LogIndex[] = [];
  private readonly sizes: number[] = [];
  private start = 0;
  private countValue = 0;
  private bytesValue = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxBytes: number,
  ) {
    assert(
      Number.isInteger(capacity) && capacity > 0,
      () => `maxInflightMessages must be ≥ 1, got ${capacity}`,
    );
    assert(maxBytes > 0, () => `maxInflightBytes must be > 0, got ${maxBytes}`);
  }

  get count(): number {
    return this.countValue;
  }

  get bytes(): number {
    return this.bytesValue;
  }

  isFull(): boolean {
    return this.countValue >= this.capacity || this.bytesValue >= this.maxBytes;
  }

  add(lastIndex: LogIndex, bytes: number): void {
    assert(!this.isFull(), 'inflights: add while full');
    const position = (this.start + this.countValue) % this.capacity;
    if (position === this.lastIndexes.length) {
      this.lastIndexes.push(lastIndex);
      this.sizes.push(bytes);
    } else {
      this.lastIndexes[position] = lastIndex;
      this.sizes[position] = bytes;
    }
    this.countValue += 1;
    this.bytesValue += bytes;
  }

  /** Frees every message whose entries all lie at or below `index` (acknowledged). */
  freeTo(index: LogIndex): void {
    while (this.countValue > 0 && this.lastIndexes[this.start]! <= index) this.freeFirstOne();
  }

  /** Frees the oldest message: used when a heartbeat answer shows the follower is alive but acks were lost. */
  freeFirstOne(): void {
    if (this.countValue === 0) return;
    this.bytesValue -= this.sizes[this.start]!;
    this.start = (this.start + 1) % this.capacity;
    this.countValue -= 1;
    if (this.countValue === 0) {
      this.start = 0;
      this.bytesValue = 0;
    }
  }

  reset(): void {
    this.start = 0;
    this.countValue = 0;
    this.bytesValue = 0;
  }
}
