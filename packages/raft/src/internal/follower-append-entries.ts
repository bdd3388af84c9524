// Follower side of AppendEntries (paper §5.3): the consistency check, truncation and its answers.
import type { AppendEntries, AppendEntriesResponse, Entry, LogIndex } from '../types.js';
import { onCommitAdvanced } from './commitment.js';
import { isWellFormedAppendEntries } from './message-checks.js';
import type { NodeState } from './node-state.js';

export function handleAppendEntries(node: NodeState, message: AppendEntries): void {
  if (!isWellFormedAppendEntries(message)) return;
  const commitIndex = node.log.commitIndex;
  if (message.prevLogIndex < commitIndex) {
    // Everything up to commitIndex matches any current leader's log (leader completeness, §5.4).
    node.outbox.push(appendEntriesResponse(node, message, true, commitIndex));
    return;
  }
  if (!node.log.matchTerm(message.prevLogIndex, message.prevLogTerm)) {
    node.outbox.push(rejectAppendEntries(node, message));
    return;
  }
  const lastNewIndex = message.prevLogIndex + message.entries.length;
  // §5.3: truncate only on an actual conflict; entries we already hold are left alone.
  const conflict = node.log.findConflict(message.entries);
  if (conflict >= 0) appendAsFollower(node, message.entries, conflict);
  if (node.log.commitTo(Math.min(message.leaderCommit, lastNewIndex))) onCommitAdvanced(node);
  node.outbox.push(appendEntriesResponse(node, message, true, lastNewIndex));
}

function appendAsFollower(node: NodeState, entries: readonly Entry[], from: number): void {
  const firstIndex = entries[from]!.index;
  node.log.truncateAndAppend(entries, from);
  // Thesis §4.1: a truncated configuration entry reverts to the previous configuration.
  node.configurations.truncateFrom(firstIndex);
  for (let position = from; position < entries.length; position += 1) {
    const entry = entries[position]!;
    if (entry.kind === 'configuration') node.configurations.append(entry.index, entry.configuration);
  }
}

/** Fast backtracking hints (paper §5.3 end): our last index, and the conflicting term's first index. */
function rejectAppendEntries(node: NodeState, message: AppendEntries): AppendEntriesResponse {
  const lastLogIndex = node.log.lastIndex();
  let conflictTerm = 0;
  let conflictIndex = 0;
  if (message.prevLogIndex <= lastLogIndex) {
    conflictTerm = node.log.term(message.prevLogIndex)!;
    const floor = Math.max(node.log.commitIndex + 1, node.log.firstIndex());
    conflictIndex = node.log.firstIndexOfTermAt(message.prevLogIndex, floor);
  }
  return {
    type: 'AppendEntriesResponse',
    term: node.term,
    from: node.id,
    to: message.from,
    success: false,
    matchIndex: message.prevLogIndex,
    lastLogIndex,
    conflictTerm,
    conflictIndex,
    sequence: message.sequence,
  };
}

export function appendEntriesResponse(
  node: NodeState,
  message: AppendEntries,
  success: boolean,
  matchIndex: LogIndex,
): AppendEntriesResponse {
  return {
    type: 'AppendEntriesResponse',
    term: node.term,
    from: node.id,
    to: message.from,
    success,
    matchIndex,
    lastLogIndex: node.log.lastIndex(),
    conflictTerm: 0,
    conflictIndex: 0,
    sequence: message.sequence,
  };
}
