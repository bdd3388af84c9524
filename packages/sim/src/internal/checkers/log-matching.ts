// Log matching (paper §5.3, fig. 3): if two logs hold an entry with the same index and term, the
// logs are identical up to that index. Checked on the durable logs at checkpoints. Only observes.
import type { Entry, NodeId } from '@raftkv/raft';
import type { Violations } from './violations.js';

export interface DurableLog {
  readonly id: NodeId;
  /** Contiguous entries as the disk holds them (after compaction, the first is not index 1). */
  readonly entries: readonly Entry[];
}

/** A byte-exact identity of an entry's content: kind, term and payload. */
export function entryIdentity(entry: Entry): string {
  if (entry.kind === 'configuration') {
    const members = entry.configuration.members.map((member) => `${member.id}:${member.role}`).join(',');
    return `${entry.term}:config:${members}`;
  }
  return `${entry.term}:command:${bytesIdentity(entry.data)}`;
}

/** entryIdentity(a) === entryIdentity(b), without building either text. */
function sameEntry(a: Entry, b: Entry): boolean {
  if (a.term !== b.term || a.kind !== b.kind) return false;
  if (a.kind === 'configuration' || b.kind === 'configuration') return entryIdentity(a) === entryIdentity(b);
  if (a.data.length !== b.data.length) return false;
  for (let position = 0; position < a.data.length; position += 1) {
    if (a.data[position] !== b.data[position]) return false;
  }
  return true;
}

const hexOfByte = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export function bytesIdentity(data: Uint8Array): string {
  let text = '';
  for (let position = 0; position < data.length; position += 1) text += hexOfByte[data[position]!];
  return text;
}

export class LogMatchingChecker {
  constructor(private readonly violations: Violations) {}

  /** Compares every pair of logs; reports the first pair that breaks the property. */
  check(logs: readonly DurableLog[]): void {
    for (let a = 0; a < logs.length; a += 1) {
      for (let b = a + 1; b < logs.length; b += 1) {
        if (!this.checkPair(logs[a]!, logs[b]!)) return;
      }
    }
  }

  private checkPair(left: DurableLog, right: DurableLog): boolean {
    const leftFirst = left.entries[0]?.index;
    const rightFirst = right.entries[0]?.index;
    if (leftFirst === undefined || rightFirst === undefined) return true;
    const low = Math.max(leftFirst, rightFirst);
    const high = Math.min(leftFirst + left.entries.length, rightFirst + right.entries.length) - 1;
    let matchedIndex = 0;
    for (let index = high; index >= low; index -= 1) {
      const leftEntry = left.entries[index - leftFirst]!;
      const rightEntry = right.entries[index - rightFirst]!;
      if (matchedIndex === 0) {
        if (leftEntry.term === rightEntry.term) matchedIndex = index;
        else continue;
      }
      if (!sameEntry(leftEntry, rightEntry)) {
        this.violations.report(
          'log-matching',
          `${left.id} and ${right.id} both hold index ${matchedIndex} term ${left.entries[matchedIndex - leftFirst]!.term}` +
            ` but differ at index ${index} (${left.id}: ${entryIdentity(leftEntry).slice(0, 40)}, ` +
            `${right.id}: ${entryIdentity(rightEntry).slice(0, 40)})`,
        );
        return false;
      }
    }
    return true;
  }
}
