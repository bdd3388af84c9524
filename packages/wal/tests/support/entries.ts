// Test support for @raftkv/wal and @raftkv/storage: builders for log entries, so tests read as the
// paper does (index, term, payload).
import { type Configuration, type Entry, nodeId } from '@raftkv/raft';

export function commandEntry(index: number, term: number, text = `command ${index}`): Entry {
  return { index, term, kind: 'command', data: new TextEncoder().encode(text) };
}

export function bytesEntry(index: number, term: number, data: Uint8Array): Entry {
  return { index, term, kind: 'command', data };
}

export function configurationOf(...voters: string[]): Configuration {
  return {
    members: voters.map((id) => ({ id: nodeId(id), role: 'voter' as const, address: `tcp://${id}:7000` })),
  };
}

export function configurationEntry(index: number, term: number, configuration: Configuration): Entry {
  return { index, term, kind: 'configuration', configuration };
}

/** Entries first..last (inclusive), all at `term`. */
export function commandEntries(first: number, last: number, term: number): Entry[] {
  const entries: Entry[] = [];
  for (let index = first; index <= last; index++) entries.push(commandEntry(index, term));
  return entries;
}
