// The size estimate used for every byte bound on entries (messages, in-flight, uncommitted, Ready).
// Pure arithmetic over an entry; must stay O(1) for commands because it runs once per entry.
import type { Entry } from '../types.js';

/** Fixed per-entry cost: index, term and framing, so that empty no-ops are never free. */
export const entryOverheadBytes = 24;

export function entryBytes(entry: Entry): number {
  if (entry.kind === 'command') return entryOverheadBytes + entry.data.byteLength;
  let bytes = entryOverheadBytes;
  for (const member of entry.configuration.members) bytes += 16 + member.id.length + member.address.length;
  return bytes;
}

/** Sum of entryBytes over `entries`. */
export function entriesBytes(entries: readonly Entry[]): number {
  let bytes = 0;
  for (let i = 0; i < entries.length; i += 1) bytes += entryBytes(entries[i]!);
  return bytes;
}

/**
 * The longest prefix of `entries` (from `start`) within `maxBytes`, but always at least one entry,
 * as LogReader.entries promises. Returns the exclusive end position.
 */
export function limitByBytes(
  entries: readonly Entry[],
  start: number,
  end: number,
  maxBytes: number,
): number {
  let bytes = 0;
  let position = start;
  while (position < end) {
    bytes += entryBytes(entries[position]!);
    if (bytes > maxBytes && position > start) break;
    position += 1;
  }
  return position;
}
