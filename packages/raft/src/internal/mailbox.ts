// A bounded FIFO queue for the actor's events: O(1) push and shift, refuses beyond its capacity.
import { assert } from '../assert.js';

export class Mailbox<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  constructor(private readonly capacity: number) {
    assert(
      Number.isInteger(capacity) && capacity > 0,
      () => `mailbox capacity must be a positive integer, got ${capacity}`,
    );
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): boolean {
    if (this.length >= this.capacity) return false;
    this.items.push(item);
    return true;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
