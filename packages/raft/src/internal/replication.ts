// Leader replication with etcd-style progress (probe / replicate / snapshot): AppendEntries, answers.
import type { AppendEntriesResponse, Entry, LogIndex, NodeId } from '../types.js';
import { maybeCommit } from './commitment.js';
import { entriesBytes } from './entry-bytes.js';
import { onFollowerHeard, onHeartbeatRoundAnswered } from './heartbeat-rounds.js';
import { startSnapshotTransfer } from './leader-snapshots.js';
import { maybeSendTimeoutNow } from './leadership-transfer.js';
import type { NodeState } from './node-state.js';
import type { Progress } from './progress.js';
import { confirmReads } from './read-index.js';

/**
 * Builds this Ready's AppendEntries: proposals since the last Ready travel together (batching);
 * then one heartbeat round (or commit notice) to followers that got nothing else.
 */
export function flushLeaderMessages(node: NodeState): void {
  if (node.role !== 'leader') return;
  if (node.heartbeatPending) {
    node.sequence += 1;
    // Thesis §6.4: messages built earlier for this Ready (hasReady() flushes too) carry the previous
    // round, which cannot confirm reads registered since; every follower needs one of the new round.
    for (const progress of node.progress.values()) progress.messagedThisReady = false;
  }
  for (const [id, progress] of node.progress) {
    if (node.appendBroadcastPending || progress.needsAppend) {
      progress.needsAppend = false;
      sendAppendEntries(node, id, progress);
    }
  }
  node.appendBroadcastPending = false;
  if (node.heartbeatPending || node.commitBroadcastPending) {
    for (const [id, progress] of node.progress) {
      if (progress.messagedThisReady) continue;
      if (node.heartbeatPending || progress.state === 'replicate') sendHeartbeat(node, id, progress);
    }
  }
  node.heartbeatPending = false;
  node.commitBroadcastPending = false;
  confirmReads(node);
}

/** Sends what the follower's state allows: one probe, a pipeline of batches, or a snapshot. */
function sendAppendEntries(node: NodeState, to: NodeId, progress: Progress): void {
  while (!progress.isPaused()) {
    const prevLogIndex = progress.nextIndex - 1;
    const prevLogTerm = node.log.term(prevLogIndex);
    if (prevLogTerm === undefined) {
      startSnapshotTransfer(node, to, progress);
      return;
    }
    const lastIndex = node.log.lastIndex();
    let entries: Entry[] = [];
    if (progress.nextIndex <= lastIndex) {
      entries = node.log.slice(progress.nextIndex, lastIndex + 1, node.config.maxMessageEntriesBytes);
    } else if (!progress.needsEmptyAppend) {
      return;
    }
    progress.needsEmptyAppend = false;
    node.outbox.push({
      type: 'AppendEntries',
      term: node.term,
      from: node.id,
      to,
      prevLogIndex,
      prevLogTerm,
      entries,
      leaderCommit: node.log.commitIndex,
      sequence: node.sequence,
    });
    const lastSent = entries[entries.length - 1];
    progress.onSent(lastSent === undefined ? prevLogIndex : lastSent.index, entriesBytes(entries));
    if (lastSent === undefined) return;
  }
}

/** An empty AppendEntries at the follower's matchIndex: cannot be rejected by a correct follower. */
function sendHeartbeat(node: NodeState, to: NodeId, progress: Progress): void {
  let prevLogIndex = progress.matchIndex;
  let prevLogTerm = node.log.term(prevLogIndex);
  if (prevLogTerm === undefined) {
    prevLogIndex = 0;
    prevLogTerm = 0;
  }
  node.outbox.push({
    type: 'AppendEntries',
    term: node.term,
    from: node.id,
    to,
    prevLogIndex,
    prevLogTerm,
    entries: [],
    leaderCommit: node.log.commitIndex,
    sequence: node.sequence,
  });
  progress.messagedThisReady = true;
}

export function handleAppendEntriesResponse(node: NodeState, message: AppendEntriesResponse): void {
  const progress = node.progress.get(message.from);
  if (progress === undefined || message.matchIndex > node.log.lastIndex()) return;
  const newRound = onFollowerHeard(node, progress, message.sequence);
  if (message.success) onAppendAccepted(node, message.from, progress, message.matchIndex);
  else onAppendRejected(node, progress, message);
  if (newRound) onHeartbeatRoundAnswered(node, progress);
}

function onAppendAccepted(node: NodeState, id: NodeId, progress: Progress, matchIndex: LogIndex): void {
  const updated = progress.maybeUpdate(matchIndex);
  if (progress.state === 'probe' && (updated || matchIndex >= progress.nextIndex - 1)) {
    progress.becomeReplicate();
  } else if (progress.state === 'snapshot' && progress.matchIndex >= node.log.firstIndex() - 1) {
    progress.becomeReplicate();
    // It holds the snapshot: this answer may have overtaken the InstallSnapshotResponse saying so,
    // and from here it catches up by AppendEntries, so its entries are held as after that response.
    progress.catchingUpFromSnapshot = true;
  } else if (progress.state === 'replicate') {
    progress.inflights.freeTo(progress.matchIndex);
  }
  if (updated) maybeCommit(node);
  // Caught up with what is committed: any entry it still lacks cannot be compacted yet.
  if (progress.matchIndex >= node.log.commitIndex) progress.catchingUpFromSnapshot = false;
  if (progress.matchIndex < node.log.lastIndex()) progress.needsAppend = true;
  maybeSendTimeoutNow(node, id, progress);
}

/** Fast backtracking (paper §5.3 end, thesis §5.3): skip a whole conflicting term per round trip. */
function onAppendRejected(node: NodeState, progress: Progress, message: AppendEntriesResponse): void {
  const rejectedIndex = message.matchIndex;
  if (progress.state === 'snapshot') return;
  if (progress.state === 'replicate' && rejectedIndex <= progress.matchIndex) return;
  if (progress.state === 'probe' && rejectedIndex !== progress.nextIndex - 1) return;
  progress.becomeProbe(Math.min(nextIndexAfterRejection(node, rejectedIndex, message), rejectedIndex));
  progress.needsAppend = true;
}

function nextIndexAfterRejection(
  node: NodeState,
  rejectedIndex: LogIndex,
  message: AppendEntriesResponse,
): LogIndex {
  if (message.conflictTerm === 0) return message.lastLogIndex + 1;
  const floor = node.log.firstIndex() - 1;
  let index = Math.min(rejectedIndex, node.log.lastIndex());
  while (index > floor && node.log.term(index)! > message.conflictTerm) index -= 1;
  if (node.log.term(index) === message.conflictTerm) return index + 1;
  return message.conflictIndex;
}
