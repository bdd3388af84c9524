// The in-memory summary of the durable log: compaction point, last index, the term of every index
// (as runs of equal terms) and where configuration entries sit. It lets term()/firstIndex()/lastIndex()
// answer without I/O. It is rebuilt from LMDB at open and changed only after a commit succeeded.
import { assert, type Entry, type LogIndex, type SnapshotMetadata, type Term } from '@raftkv/raft';

export class LogShape {
  /** runStarts[k] is the first index of the k-th run of entries that share term runTerms[k]. */
  private runStarts: LogIndex[] = [];
  private runTerms: Term[] = [];
  /** Ascending indexes of configuration entries still in the log. */
  private configurationIndexes: LogIndex[] = [];
  private last: LogIndex;

  /** `compactionPoint` is the last discarded entry (index 0 / term 0 for an empty, never-compacted log). */
  constructor(private compactionPoint: SnapshotMetadata) {
    this.last = compactionPoint.index;
  }

  get compaction(): SnapshotMetadata {
    return this.compactionPoint;
  }

  firstIndex(): LogIndex {
    return this.compactionPoint.index + 1;
  }

  lastIndex(): LogIndex {
    return this.last;
  }

  term(index: LogIndex): Term | undefined {
    if (index === this.compactionPoint.index) return this.compactionPoint.term;
    if (index < this.firstIndex() || index > this.last) return undefined;
    let low = 0;
    let high = this.runStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.runStarts[middle]! <= index) low = middle;
      else high = middle - 1;
    }
    return this.runTerms[low];
  }

  /** The index of the last configuration entry at or before `index`, if any is still in the log. */
  lastConfigurationIndexAtOrBefore(index: LogIndex): LogIndex | undefined {
    let found: LogIndex | undefined;
    for (const configurationIndex of this.configurationIndexes) {
      if (configurationIndex > index) break;
      found = configurationIndex;
    }
    return found;
  }

  /** Appends `entry` right after the last index (paper §5.3: logs grow only at the end). */
  append(entry: Entry): void {
    assert(entry.index === this.last + 1, () => `LogShape.append: ${entry.index} after ${this.last}`);
    if (this.runTerms.length === 0 || this.runTerms[this.runTerms.length - 1] !== entry.term) {
      this.runStarts.push(entry.index);
      this.runTerms.push(entry.term);
    }
    if (entry.kind === 'configuration') this.configurationIndexes.push(entry.index);
    this.last = entry.index;
  }

  /** Forgets entries from `index` on (a conflicting suffix, paper §5.3). */
  truncateFrom(index: LogIndex): void {
    assert(index >= this.firstIndex() && index <= this.last + 1, () => `LogShape.truncateFrom: ${index}`);
    while (this.runStarts.length > 0 && this.runStarts[this.runStarts.length - 1]! >= index) {
      this.runStarts.pop();
      this.runTerms.pop();
    }
    while (this.configurationIndexes.length > 0 && this.configurationIndexes.at(-1)! >= index) {
      this.configurationIndexes.pop();
    }
    this.last = index - 1;
  }

  /** Forgets entries up to and including `point.index` (paper §7); later entries stay. */
  compactTo(point: SnapshotMetadata): void {
    assert(
      point.index >= this.compactionPoint.index && point.index <= this.last,
      'LogShape.compactTo: out of range',
    );
    let firstKeptRun = 0;
    while (firstKeptRun + 1 < this.runStarts.length && this.runStarts[firstKeptRun + 1]! <= point.index + 1) {
      firstKeptRun++;
    }
    this.runStarts.splice(0, firstKeptRun);
    this.runTerms.splice(0, firstKeptRun);
    if (point.index === this.last) {
      this.runStarts = [];
      this.runTerms = [];
    } else if (this.runStarts.length > 0) {
      this.runStarts[0] = point.index + 1;
    }
    this.configurationIndexes = this.configurationIndexes.filter((index) => index > point.index);
    this.compactionPoint = point;
  }

  /** Replaces the whole log with a snapshot's compaction point (thesis §5.2: the log is discarded). */
  resetTo(point: SnapshotMetadata): void {
    this.runStarts = [];
    this.runTerms = [];
    this.configurationIndexes = [];
    this.compactionPoint = point;
    this.last = point.index;
  }
}
