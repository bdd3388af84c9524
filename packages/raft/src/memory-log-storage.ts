// MemoryLogStorage: an IN-MEMORY TEST DOUBLE of LogStorage for unit tests and the simulator.
// It keeps nothing across processes and does no I/O; production uses the LMDB adapter instead.
import { assert } from './assert.js';
import { limitByBytes } from './internal/entry-bytes.js';
import type {
  Configuration,
  Entry,
  HardState,
  InitialState,
  LogIndex,
  LogStorage,
  SnapshotMetadata,
  Term,
} from './types.js';

export interface MemoryLogStorageContents {
  readonly hardState: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: SnapshotMetadata | null;
}

const emptyHardState: HardState = { term: 0, votedFor: null, commitIndex: 0 };
const emptyConfiguration: Configuration = { members: [] };

export class MemoryLogStorage implements LogStorage {
  private hardState: HardState;
  /** The compaction point (paper §7): index, term and configuration of the last discarded entry. */
  private compactionPoint: SnapshotMetadata;
  /** Entries compactionPoint.index+1 .. lastIndex(), in order. */
  private log: Entry[];

  /** Starts empty, or from `contents` (e.g. bootstrapState(...)); the entries must be contiguous. */
  constructor(contents?: MemoryLogStorageContents) {
    this.hardState = contents?.hardState ?? emptyHardState;
    this.compactionPoint = contents?.snapshot ?? { index: 0, term: 0, configuration: emptyConfiguration };
    this.log = [];
    if (contents !== undefined && contents.entries.length > 0) this.appendEntries(contents.entries);
  }

  initialState(): InitialState {
    return {
      hardState: this.hardState,
      snapshot: this.compactionPoint.index === 0 ? null : this.compactionPoint,
    };
  }

  firstIndex(): LogIndex {
    return this.compactionPoint.index + 1;
  }

  lastIndex(): LogIndex {
    return this.compactionPoint.index + this.log.length;
  }

  term(index: LogIndex): Term | undefined {
    if (index === this.compactionPoint.index) return this.compactionPoint.term;
    return this.log[index - this.compactionPoint.index - 1]?.term;
  }

  entries(low: LogIndex, high: LogIndex, maxBytes: number): Entry[] {
    assert(
      low >= this.firstIndex() && high <= this.lastIndex() + 1 && low <= high,
      () => `entries(${low}, ${high}) outside the stored log ${this.firstIndex()}..${this.lastIndex()}`,
    );
    const start = low - this.firstIndex();
    const end = limitByBytes(this.log, start, high - this.firstIndex(), maxBytes);
    return this.log.slice(start, end);
  }

  persist(update: {
    readonly hardState: HardState | null;
    readonly entries: readonly Entry[];
    readonly snapshot: SnapshotMetadata | null;
  }): void {
    if (update.snapshot !== null) {
      this.compactionPoint = update.snapshot;
      this.log = [];
    }
    if (update.entries.length > 0) this.appendEntries(update.entries);
    if (update.hardState !== null) this.hardState = update.hardState;
  }

  compact(index: LogIndex): void {
    if (index <= this.compactionPoint.index) return;
    assert(index <= this.lastIndex(), () => `compact(${index}) beyond the last index ${this.lastIndex()}`);
    const term = this.term(index)!;
    const configuration = this.configurationAt(index);
    this.log = this.log.slice(index - this.compactionPoint.index);
    this.compactionPoint = { index, term, configuration };
  }

  /** The latest configuration at or before `index` (thesis §4.1), for the new compaction point. */
  private configurationAt(index: LogIndex): Configuration {
    for (let position = index - this.compactionPoint.index - 1; position >= 0; position -= 1) {
      const entry = this.log[position]!;
      if (entry.kind === 'configuration') return entry.configuration;
    }
    return this.compactionPoint.configuration;
  }

  /** Overwrites the suffix from entries[0].index (paper §5.3), then appends. */
  private appendEntries(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    assert(
      first > this.compactionPoint.index && first <= this.lastIndex() + 1,
      () => `append at ${first} does not fit the stored log ${this.firstIndex()}..${this.lastIndex()}`,
    );
    this.log.length = first - this.compactionPoint.index - 1;
    for (let i = 0; i < entries.length; i += 1) {
      const entry = entries[i]!;
      assert(entry.index === first + i, () => `entries not contiguous at ${entry.index}`);
      this.log.push(entry);
    }
  }
}
