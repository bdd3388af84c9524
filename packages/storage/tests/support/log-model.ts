// Test support: the reference model of LogStorage — the simplest code that obeys types.ts — against
// which the contract suite checks every implementation after random operations.
import type { Configuration, Entry, HardState, LogStorage, SnapshotMetadata, Term } from '@raftkv/raft';

type PersistUpdate = Parameters<LogStorage['persist']>[0];

export class LogModel {
  hardState: HardState = { term: 0, votedFor: null, commitIndex: 0 };
  compaction: SnapshotMetadata = { index: 0, term: 0, configuration: { members: [] } };
  entries: Entry[] = [];

  firstIndex(): number {
    return this.compaction.index + 1;
  }

  lastIndex(): number {
    return this.compaction.index + this.entries.length;
  }

  term(index: number): Term | undefined {
    if (index === this.compaction.index) return this.compaction.term;
    return this.entries[index - this.firstIndex()]?.term;
  }

  persist(update: PersistUpdate): void {
    if (update.snapshot !== null) {
      this.compaction = update.snapshot;
      this.entries = [];
    }
    if (update.entries.length > 0) {
      this.entries.length = update.entries[0]!.index - this.firstIndex();
      this.entries.push(...update.entries);
    }
    if (update.hardState !== null) this.hardState = update.hardState;
  }

  compact(index: number): void {
    if (index < this.firstIndex()) return;
    let configuration: Configuration = this.compaction.configuration;
    for (const entry of this.entries) {
      if (entry.index > index) break;
      if (entry.kind === 'configuration') configuration = entry.configuration;
    }
    const term = this.term(index)!;
    this.entries = this.entries.slice(index - this.compaction.index);
    this.compaction = { index, term, configuration };
  }
}
