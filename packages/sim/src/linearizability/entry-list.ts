// The time-ordered call/return entry list the Wing & Gong search walks, doubly linked so entries lift out
// and go back in stack order (dancing links). Knows nothing of models; only orders and unlinks entries.

/** Time-ordered entries; entry 0 is the head sentinel, -1 is "none". */
export class EntryList {
  readonly next: Int32Array;
  private readonly previous: Int32Array;
  /** For each entry: the call it belongs to. */
  readonly callOf: Int32Array;
  /** For each entry: 1 for a return entry, 0 for a call entry (and the head). */
  readonly isReturn: Uint8Array;
  /** For each call: its call entry and its return entry. */
  private readonly callEntry: Int32Array;
  private readonly returnEntry: Int32Array;

  /**
   * On equal times calls sort before returns, so two operations that touch at one instant count as
   * concurrent (the lenient reading, which never raises a false alarm).
   */
  constructor(invokedAt: readonly number[], completedAt: readonly number[]) {
    const events: { time: number; isReturn: number; call: number }[] = [];
    invokedAt.forEach((time, call) => {
      events.push({ time, isReturn: 0, call });
      events.push({ time: completedAt[call]!, isReturn: 1, call });
    });
    events.sort((a, b) => a.time - b.time || a.isReturn - b.isReturn || a.call - b.call);
    const size = events.length + 1;
    this.next = new Int32Array(size);
    this.previous = new Int32Array(size);
    this.callOf = new Int32Array(size).fill(-1);
    this.isReturn = new Uint8Array(size);
    this.callEntry = new Int32Array(invokedAt.length);
    this.returnEntry = new Int32Array(invokedAt.length);
    for (let entry = 0; entry < size; entry += 1) {
      this.next[entry] = entry + 1 < size ? entry + 1 : -1;
      this.previous[entry] = entry - 1;
    }
    events.forEach((event, position) => {
      const entry = position + 1;
      this.callOf[entry] = event.call;
      this.isReturn[entry] = event.isReturn;
      if (event.isReturn === 1) this.returnEntry[event.call] = entry;
      else this.callEntry[event.call] = entry;
    });
  }

  get first(): number {
    return this.next[0]!;
  }

  /** Removes a call's entries from the list: the call has been linearized. */
  lift(call: number): void {
    this.unlink(this.callEntry[call]!);
    this.unlink(this.returnEntry[call]!);
  }

  /** Puts back the entries of the most recently lifted call (strictly in reverse order of lifting). */
  unlift(call: number): void {
    this.relink(this.returnEntry[call]!);
    this.relink(this.callEntry[call]!);
  }

  entryOfCall(call: number): number {
    return this.callEntry[call]!;
  }

  private unlink(entry: number): void {
    const before = this.previous[entry]!;
    const after = this.next[entry]!;
    this.next[before] = after;
    if (after !== -1) this.previous[after] = before;
  }

  private relink(entry: number): void {
    const before = this.previous[entry]!;
    const after = this.next[entry]!;
    this.next[before] = entry;
    if (after !== -1) this.previous[after] = entry;
  }
}
