// Structural checks on messages from peers, which are not trusted to be correct code: a malformed
// message is ignored (never asserted on). Pure predicates; O(entries) at most.
import type { AppendEntries } from '../types.js';

/** Entries must follow prevLogIndex contiguously with non-decreasing terms no newer than the message (§5.3). */
export function isWellFormedAppendEntries(message: AppendEntries): boolean {
  if (message.prevLogIndex < 0 || message.prevLogTerm < 0 || message.prevLogTerm > message.term) return false;
  if (message.leaderCommit < 0) return false;
  let expectedIndex = message.prevLogIndex + 1;
  let previousTerm = message.prevLogTerm;
  for (let position = 0; position < message.entries.length; position += 1) {
    const entry = message.entries[position]!;
    if (entry.index !== expectedIndex || entry.term < previousTerm || entry.term > message.term) return false;
    expectedIndex += 1;
    previousTerm = entry.term;
  }
  return true;
}
