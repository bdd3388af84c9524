// State machine safety (paper §5.4.3, fig. 3): every node applies the same entry at each index.
// Keeps the history of applied entries (first applier wins), runs the KV reference model (with client
// sessions) over it, and checks every node's apply results — re-applications after a crash lost the
// store's deferred writes included — and every restored snapshot against it. Only observes.
import { decodeCommand, type KvApplyResult, type KvCommand } from '@raftkv/kv';
import { ReferenceModel } from '@raftkv/kv/testing';
import type { Entry, LogIndex, NodeId, SnapshotMetadata, Term } from '@raftkv/raft';
import { fromUtf8, resultText, sameResult, utf8, writtenKeys } from '../kv-text.js';
import { entryIdentity } from './log-matching.js';
import type { Violations } from './violations.js';

/** A user key's value as text, undefined when absent. */
export type KeyValueText = string | undefined;

export interface AppliedEntry {
  readonly index: LogIndex;
  readonly term: Term;
  readonly identity: string;
  /** The decoded command (null for configurations, leader no-ops and undecodable bytes). */
  readonly command: KvCommand | null;
  /** What the reference model computed; every node must compute the same. */
  readonly result: KvApplyResult;
  /** Whether the reference model changed a user key here (a new store revision). */
  readonly mutated: boolean;
  readonly firstAppliedBy: NodeId;
}

interface Write {
  readonly index: LogIndex;
  readonly value: KeyValueText;
}

/** Called for every node's apply of an entry, before its result is compared with the model's. */
export type NodeApplyListener = (id: NodeId, known: AppliedEntry, result: KvApplyResult) => boolean;

export class AppliedHistory {
  private readonly applied: AppliedEntry[] = [];
  private readonly model = new ReferenceModel();
  private readonly writesByKey = new Map<string, Write[]>();
  private readonly listeners: Array<(entry: AppliedEntry) => void> = [];
  private readonly nodeListeners: NodeApplyListener[] = [];

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

  /** Calls `listener` for every node's apply of every entry; it returns false after reporting a violation. */
  onNodeApplied(listener: NodeApplyListener): void {
    this.nodeListeners.push(listener);
  }

  /** The key's value right after index `index` was applied. */
  valueAt(key: string, index: LogIndex): KeyValueText {
    const writes = this.writesByKey.get(key);
    if (writes === undefined) return undefined;
    const position = lastWriteAtOrBefore(writes, index);
    return position < 0 ? undefined : writes[position]!.value;
  }

  /** Every value the key held at some index in [low, high]. */
  valuesBetween(key: string, low: LogIndex, high: LogIndex): KeyValueText[] {
    const values: KeyValueText[] = [this.valueAt(key, low)];
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
    results: readonly KvApplyResult[],
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

  onRestored(id: NodeId, metadata: SnapshotMetadata, values: ReadonlyMap<string, string>): void {
    const where = `${id} restored a snapshot at index ${metadata.index} term ${metadata.term}`;
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
    for (const key of new Set([...values.keys(), ...this.writesByKey.keys()])) {
      const expected = this.valueAt(key, metadata.index);
      if (values.get(key) !== expected) {
        this.violations.report(
          'state-machine-safety',
          `${where} holding ${key}=${JSON.stringify(values.get(key))}, but it was ${JSON.stringify(expected)} there`,
        );
        return;
      }
    }
  }

  private checkOne(id: NodeId, entry: Entry, result: KvApplyResult): boolean {
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

  private checkResult(id: NodeId, known: AppliedEntry, result: KvApplyResult): boolean {
    for (const listener of this.nodeListeners) if (!listener(id, known, result)) return false;
    if (sameResult(known.result, result)) return true;
    this.violations.report(
      'state-machine-safety',
      `${id} computed ${resultText(result)} for index ${known.index} term ${known.term}, ` +
        `the reference model ${resultText(known.result)} (diverged state)`,
    );
    return false;
  }

  private record(id: NodeId, entry: Entry, identity: string): void {
    let command: KvCommand | null = null;
    let result: KvApplyResult;
    let mutated = false;
    if (entry.kind === 'configuration')
      this.model.applyConfiguration(entry.configuration.members.map((member) => member.id));
    if (entry.kind === 'command' && entry.data.length > 0) {
      const decoded = decodeCommand(entry.data);
      if (decoded.ok) {
        command = decoded.command;
        const before = this.model.currentRevision;
        result = this.model.apply(command.operation, command.session);
        mutated = this.model.currentRevision !== before;
        if (mutated) this.recordWrites(entry.index, command);
      } else {
        result = { ok: false, revision: this.model.currentRevision, error: decoded.error };
      }
    }
    const applied: AppliedEntry = {
      index: entry.index,
      term: entry.term,
      identity,
      command,
      result,
      mutated,
      firstAppliedBy: id,
    };
    this.applied.push(applied);
    for (const listener of this.listeners) listener(applied);
  }

  private recordWrites(index: LogIndex, command: KvCommand): void {
    for (const key of new Set(writtenKeys(command.operation))) {
      const bytes = this.model.valueOf(utf8(key));
      const write: Write = { index, value: bytes === undefined ? undefined : fromUtf8(bytes) };
      const writes = this.writesByKey.get(key);
      if (writes === undefined) this.writesByKey.set(key, [write]);
      else writes.push(write);
    }
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
