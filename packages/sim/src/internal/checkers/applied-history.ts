// State machine safety (paper §5.4.3, fig. 3): every node applies the same entry at each index.
// Keeps the history of applied entries (first applier wins), runs a reference register model over
// it, and checks every node's apply results and every restored snapshot against it. Only observes.
import type { Entry, LogIndex, NodeId, SnapshotMetadata, Term } from '@raftkv/raft';
import {
  applyCommand,
  decodeCommand,
  type RegisterCommand,
  type RegisterResult,
} from '../register-commands.js';
import { entryIdentity } from './log-matching.js';
import type { Violations } from './violations.js';

export interface AppliedEntry {
  readonly index: LogIndex;
  readonly term: Term;
  readonly identity: string;
  readonly command: RegisterCommand | null;
  /** What the reference model computed; every node must compute the same. */
  readonly result: RegisterResult;
  readonly firstAppliedBy: NodeId;
}

interface Write {
  readonly index: LogIndex;
  readonly value: string;
}

export class AppliedHistory {
  private readonly applied: AppliedEntry[] = [];
  private readonly model = new Map<string, string>();
  private readonly writesByKey = new Map<string, Write[]>();
  private readonly listeners: Array<(entry: AppliedEntry) => void> = [];

  constructor(private readonly violations: Violations) {}

  /** The highest index any node has applied (every index up to it has been applied by some node). */
  get lastIndex(): LogIndex {
    return this.applied.length;
  }

  entryAt(index: LogIndex): AppliedEntry | undefined {
    return this.applied[index - 1];
  }

  /** Calls `listener` once per newly applied index, in index order. */
  onNewEntry(listener: (entry: AppliedEntry) => void): void {
    this.listeners.push(listener);
  }

  /** The register's value right after index `index` was applied. */
  valueAt(key: string, index: LogIndex): RegisterResult {
    const writes = this.writesByKey.get(key);
    if (writes === undefined) return undefined;
    const position = lastWriteAtOrBefore(writes, index);
    return position < 0 ? undefined : writes[position]!.value;
  }

  /** Every value the register held at some index in [low, high]. */
  valuesBetween(key: string, low: LogIndex, high: LogIndex): RegisterResult[] {
    const values: RegisterResult[] = [this.valueAt(key, low)];
    const writes = this.writesByKey.get(key) ?? [];
    for (let position = lastWriteAtOrBefore(writes, low) + 1; position < writes.length; position += 1) {
      const write = writes[position]!;
      if (write.index > high) break;
      values.push(write.value);
    }
    return values;
  }

  onApplied(
    id: NodeId,
    previousAppliedIndex: LogIndex,
    entries: readonly Entry[],
    results: readonly RegisterResult[],
  ): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index !== previousAppliedIndex + 1) {
      this.violations.report(
        'state-machine-safety',
        `${id} applied index ${first.index} right after index ${previousAppliedIndex} (entries skipped or repeated)`,
      );
      return;
    }
    for (let i = 0; i < entries.length; i += 1) {
      if (!this.checkOne(id, entries[i]!, results[i])) return;
    }
  }

  onRestored(id: NodeId, metadata: SnapshotMetadata, registers: ReadonlyMap<string, string> | null): void {
    const where = `${id} restored a snapshot at index ${metadata.index} term ${metadata.term}`;
    if (registers === null) {
      this.violations.report('state-machine-safety', `${where} whose bytes do not decode`);
      return;
    }
    const known = this.entryAt(metadata.index);
    if (known === undefined) {
      this.violations.report(
        'state-machine-safety',
        `${where} beyond every applied index (${this.lastIndex})`,
      );
      return;
    }
    if (known.term !== metadata.term) {
      this.violations.report(
        'state-machine-safety',
        `${where}, but index ${metadata.index} was applied with term ${known.term}`,
      );
      return;
    }
    for (const key of new Set([...registers.keys(), ...this.writesByKey.keys()])) {
      const expected = this.valueAt(key, metadata.index);
      if (registers.get(key) !== expected) {
        this.violations.report(
          'state-machine-safety',
          `${where} holding ${key}=${JSON.stringify(registers.get(key))}, but it was ${JSON.stringify(expected)} there`,
        );
        return;
      }
    }
  }

  private checkOne(id: NodeId, entry: Entry, result: RegisterResult): boolean {
    const known = this.entryAt(entry.index);
    const identity = entryIdentity(entry);
    if (known === undefined) {
      if (entry.index !== this.lastIndex + 1) {
        this.violations.report(
          'state-machine-safety',
          `${id} applied index ${entry.index} while no node has applied index ${this.lastIndex + 1}`,
        );
        return false;
      }
      this.record(id, entry, identity);
      return this.checkResult(id, this.entryAt(entry.index)!, result);
    }
    if (known.identity !== identity) {
      this.violations.report(
        'state-machine-safety',
        `index ${entry.index} applied as term ${known.term} by ${known.firstAppliedBy} but as term ${entry.term} by ${id}` +
          (known.term === entry.term ? ' with different content' : ''),
      );
      return false;
    }
    return this.checkResult(id, known, result);
  }

  private checkResult(id: NodeId, known: AppliedEntry, result: RegisterResult): boolean {
    if (known.result === result) return true;
    this.violations.report(
      'state-machine-safety',
      `${id} computed ${JSON.stringify(result)} for index ${known.index} term ${known.term}, ` +
        `the reference model ${JSON.stringify(known.result)} (diverged state)`,
    );
    return false;
  }

  private record(id: NodeId, entry: Entry, identity: string): void {
    const command = entry.kind === 'command' ? decodeCommand(entry.data) : null;
    let result: RegisterResult;
    if (command !== null) {
      result = applyCommand(this.model, command);
      const writes = this.writesByKey.get(command.key);
      if (writes === undefined) this.writesByKey.set(command.key, [{ index: entry.index, value: result }]);
      else writes.push({ index: entry.index, value: result });
    }
    const applied: AppliedEntry = {
      index: entry.index,
      term: entry.term,
      identity,
      command,
      result,
      firstAppliedBy: id,
    };
    this.applied.push(applied);
    for (const listener of this.listeners) listener(applied);
  }
}

function lastWriteAtOrBefore(writes: readonly Write[], index: LogIndex): number {
  let low = 0;
  let high = writes.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (writes[middle]!.index <= index) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}
