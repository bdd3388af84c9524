// A replicated counter for the tests: each command adds its one byte; snapshots are the total's text.
import type { Configuration, Entry, ReceivedSnapshot, SnapshotReader, StateMachine } from '@raftkv/raft';

export class Counter implements StateMachine<'total', number | undefined> {
  total = 0;
  private applied = { index: 0, term: 0 };
  private configuration: Configuration = { members: [] };

  appliedIndex(): number {
    return this.applied.index;
  }

  apply(entries: readonly Entry[]): (number | undefined)[] {
    return entries.map((entry) => {
      this.applied = { index: entry.index, term: entry.term };
      if (entry.kind === 'configuration') this.configuration = entry.configuration;
      if (entry.kind !== 'command' || entry.data.length === 0) return undefined;
      this.total += entry.data[0]!;
      return this.total;
    });
  }

  query(_query: 'total'): number {
    return this.total;
  }

  openSnapshot(): SnapshotReader {
    const bytes = new TextEncoder().encode(String(this.total));
    return {
      metadata: { ...this.applied, configuration: this.configuration },
      readChunk: (offset, maxBytes) => bytes.subarray(offset, offset + maxBytes),
      close: () => {},
    };
  }

  restore(snapshot: ReceivedSnapshot): void {
    const text = snapshot.chunks.map((chunk) => new TextDecoder().decode(chunk)).join('');
    this.total = Number(text);
    this.applied = { index: snapshot.metadata.index, term: snapshot.metadata.term };
    this.configuration = snapshot.metadata.configuration;
  }
}
