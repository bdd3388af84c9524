// The node's view of the Raft log (paper §5.3): the stable part behind the LogReader port plus an
// unstable suffix (and received snapshot) not yet persisted, with commitIndex and appliedIndex.
// Never writes storage: the app persists what ready() hands out and reports it through advance().
import { assert } from '../assert.js';
import { isBrokenVariant } from '../testing.js';
import type { Entry, LogIndex, LogReader, ReceivedSnapshot, Term } from '../types.js';
import { entriesBytes, entryBytes, limitByBytes } from './entry-bytes.js';

export class RaftLog {
  /** Highest index known committed (paper fig. 2); never decreases. */
  commitIndex: LogIndex;
  /** Highest index the application has applied (reported through advance). */
  appliedIndex: LogIndex;
  /** A snapshot received from the leader and not yet persisted; it replaces the whole stable log. */
  private pendingSnapshot: ReceivedSnapshot | null = null;
  /** Index of unstable[0]: everything below is stable (or replaced by pendingSnapshot). */
  private unstableOffset: LogIndex;
  private unstable: Entry[] = [];

  constructor(
    private readonly storage: LogReader,
    commitIndex: LogIndex,
    appliedIndex: LogIndex,
  ) {
    this.unstableOffset = storage.lastIndex() + 1;
    this.commitIndex = commitIndex;
    this.appliedIndex = appliedIndex;
  }

  /** Asked of storage every time: the app may compact between turns (up to the applied index). */
  firstIndex(): LogIndex {
    return this.pendingSnapshot === null
      ? this.storage.firstIndex()
      : this.pendingSnapshot.metadata.index + 1;
  }

  lastIndex(): LogIndex {
    return this.unstableOffset + this.unstable.length - 1;
  }

  /** The last index that is durable (and usable): the leader's own match index (thesis §10.2.1). */
  lastStableIndex(): LogIndex {
    return this.pendingSnapshot === null ? this.unstableOffset - 1 : 0;
  }

  lastTerm(): Term {
    const term = this.term(this.lastIndex());
    assert(term !== undefined, () => `no term for the last index ${this.lastIndex()}`);
    return term;
  }

  /** The term at `index`, for firstIndex()-1 ≤ index ≤ lastIndex(); otherwise undefined. */
  term(index: LogIndex): Term | undefined {
    if (index >= this.unstableOffset) return this.unstable[index - this.unstableOffset]?.term;
    if (this.pendingSnapshot !== null) {
      return index === this.pendingSnapshot.metadata.index ? this.pendingSnapshot.metadata.term : undefined;
    }
    return this.storage.term(index);
  }

  matchTerm(index: LogIndex, term: Term): boolean {
    return this.term(index) === term;
  }

  /** Paper §5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate(lastIndex: LogIndex, lastTerm: Term): boolean {
    const ourLastTerm = this.lastTerm();
    return lastTerm > ourLastTerm || (lastTerm === ourLastTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [low, high), at least one if low < high, within `maxBytes` otherwise. */
  slice(low: LogIndex, high: LogIndex, maxBytes: number): Entry[] {
    assert(
      low >= this.firstIndex() && high <= this.lastIndex() + 1 && low <= high,
      () => `slice [${low}, ${high}) outside the log ${this.firstIndex()}..${this.lastIndex()}`,
    );
    if (low === high) return [];
    if (low >= this.unstableOffset) {
      const start = low - this.unstableOffset;
      return this.unstable.slice(
        start,
        limitByBytes(this.unstable, start, high - this.unstableOffset, maxBytes),
      );
    }
    const stableHigh = Math.min(high, this.unstableOffset);
    const result = this.storage.entries(low, stableHigh, maxBytes);
    assert(result.length > 0, () => `storage returned no entries for [${low}, ${stableHigh})`);
    if (result.length < stableHigh - low || high <= this.unstableOffset) return result;
    let remainingBytes = maxBytes - entriesBytes(result);
    for (let position = 0; position < high - this.unstableOffset; position += 1) {
      const entry = this.unstable[position]!;
      remainingBytes -= entryBytes(entry);
      if (remainingBytes < 0) break;
      result.push(entry);
    }
    return result;
  }

  /** Leader append (paper §5.3): entries follow lastIndex() directly. */
  append(entry: Entry): void {
    assert(entry.index === this.lastIndex() + 1, () => `append at ${entry.index} after ${this.lastIndex()}`);
    this.unstable.push(entry);
  }

  /**
   * Follower append: entries[from..] replace the log from entries[from].index on (paper §5.3: delete
   * the conflicting entry and all that follow). Never touches committed entries.
   */
  truncateAndAppend(entries: readonly Entry[], from: number): void {
    const first = entries[from]!.index;
    assert(
      first > this.commitIndex,
      () => `truncation at ${first} would drop committed entries (≤ ${this.commitIndex})`,
    );
    assert(first <= this.lastIndex() + 1, () => `append at ${first} leaves a gap after ${this.lastIndex()}`);
    if (first < this.unstableOffset) {
      this.unstableOffset = first;
      this.unstable = [];
    } else {
      this.unstable.length = first - this.unstableOffset;
    }
    for (let position = from; position < entries.length; position += 1)
      this.unstable.push(entries[position]!);
  }

  /** The first position in `entries` whose index is new or whose term conflicts with ours, or -1. */
  findConflict(entries: readonly Entry[]): number {
    const lastIndex = this.lastIndex();
    for (let position = 0; position < entries.length; position += 1) {
      const entry = entries[position]!;
      if (entry.index > lastIndex || this.term(entry.index) !== entry.term) return position;
    }
    return -1;
  }

  /** The first index of the run of entries with the term at `index`, not below `floor`. */
  firstIndexOfTermAt(index: LogIndex, floor: LogIndex): LogIndex {
    const term = this.term(index);
    let first = index;
    while (first - 1 >= floor && this.term(first - 1) === term) first -= 1;
    return first;
  }

  commitTo(index: LogIndex): boolean {
    if (index <= this.commitIndex) return false;
    assert(index <= this.lastIndex(), () => `commit ${index} beyond the last index ${this.lastIndex()}`);
    this.commitIndex = index;
    return true;
  }

  /** Marks entries through (index, term) durable, unless they were overwritten since (compare both). */
  stableTo(index: LogIndex, term: Term): void {
    if (index < this.unstableOffset || this.unstable[index - this.unstableOffset]?.term !== term) return;
    const count = index - this.unstableOffset + 1;
    this.unstable = count === this.unstable.length ? [] : this.unstable.slice(count);
    this.unstableOffset = index + 1;
  }

  /** A snapshot was persisted: the stable log now starts after it. */
  stableSnapshotTo(index: LogIndex): void {
    if (this.pendingSnapshot?.metadata.index === index) this.pendingSnapshot = null;
  }

  /** Paper §7: discard the whole log in favour of the snapshot; it is committed by definition. */
  restore(snapshot: ReceivedSnapshot): void {
    this.pendingSnapshot = snapshot;
    this.unstable = [];
    this.unstableOffset = snapshot.metadata.index + 1;
    this.commitIndex = snapshot.metadata.index;
  }

  get unstableSnapshot(): ReceivedSnapshot | null {
    return this.pendingSnapshot;
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable;
  }

  appliedTo(index: LogIndex): void {
    if (index > this.appliedIndex) this.appliedIndex = index;
  }

  /** Applied entries may be handed out only once durable (apply after persisting, thesis §3.8). */
  private lastApplicableIndex(): LogIndex {
    if (this.pendingSnapshot !== null) return this.appliedIndex;
    const lastStable = this.unstableOffset - 1;
    if (isBrokenVariant('apply-before-commit')) return lastStable;
    return Math.min(this.commitIndex, lastStable);
  }

  hasCommittedEntriesToApply(): boolean {
    return this.lastApplicableIndex() > this.appliedIndex;
  }

  /** Committed, durable, unapplied entries in order, at most `maxBytes` (at least one). */
  committedEntriesToApply(maxBytes: number): Entry[] {
    const high = this.lastApplicableIndex();
    if (high <= this.appliedIndex) return [];
    return this.slice(this.appliedIndex + 1, high + 1, maxBytes);
  }
}
