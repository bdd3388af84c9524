// Leader side of log compaction: chunked InstallSnapshot to a lagging follower (paper §7, thesis §5).
import { assert } from '../assert.js';
import type { InstallSnapshotResponse, LogIndex, NodeId } from '../types.js';
import { maybeCommit } from './commitment.js';
import { onFollowerHeard, onHeartbeatRoundAnswered } from './heartbeat-rounds.js';
import type { NodeState } from './node-state.js';
import type { Progress } from './progress.js';
import { SnapshotTransfer } from './snapshot-transfer.js';

/** Resends an unanswered InstallSnapshot chunk after half an election timeout (messages may be lost). */
export function tickSnapshotTransfers(node: NodeState): void {
  const retryTicks = Math.max(1, Math.floor(node.config.electionTimeoutTicks / 2));
  for (const [id, progress] of node.progress) {
    const transfer = progress.snapshotTransfer;
    if (transfer === null) continue;
    transfer.ticksSinceProgress += 1;
    if (transfer.ticksSinceProgress >= retryTicks) sendSnapshotChunk(node, id, progress);
  }
}

/**
 * The highest index the leader's log may be compacted through without discarding entries that a
 * follower now receiving a snapshot needs right after installing it (the ones past the snapshot's
 * index), or that one which installed it needs until it has caught up with the commit index (the
 * ones past its matchIndex); Infinity when no such follower. Compacting past them would make that
 * snapshot stale on arrival and force another full transfer — and if the log outgrows the compaction
 * threshold during each transfer, the follower would never catch up (paper §7: a snapshot only
 * brings a follower up to date when the leader can then continue with AppendEntries). Only followers
 * heard from within the current or the previous check-quorum window (thesis §6.2) hold entries back
 * — so at least the last election timeout, at most two — and a crashed one cannot make the log grow
 * unbounded.
 */
export function snapshotCatchUpLimit(node: NodeState): LogIndex {
  let limit = Number.POSITIVE_INFINITY;
  if (node.role !== 'leader') return limit;
  for (const progress of node.progress.values()) {
    const transfer = progress.snapshotTransfer;
    // Not recentlyActive alone: it is false for every follower right after each check-quorum window
    // starts, and compacting then would defeat this limit once per election timeout.
    if (!(progress.recentlyActive || progress.activeInPreviousWindow)) continue;
    if (transfer !== null) limit = Math.min(limit, transfer.metadata.index);
    // Once installed, the follower catches up by AppendEntries from its matchIndex on: compacting
    // those entries away would send it back to a full snapshot before it ever catches up.
    else if (progress.catchingUpFromSnapshot) limit = Math.min(limit, progress.matchIndex);
  }
  return limit;
}

export function startSnapshotTransfer(node: NodeState, to: NodeId, progress: Progress): void {
  const reader = node.snapshots.openSnapshot();
  const compactedThrough = node.log.firstIndex() - 1;
  assert(
    reader.metadata.index >= compactedThrough,
    () =>
      `${node.id}: snapshot at ${reader.metadata.index} does not cover the compacted log (${compactedThrough})`,
  );
  progress.becomeSnapshot(new SnapshotTransfer(reader));
  sendSnapshotChunk(node, to, progress);
}

function sendSnapshotChunk(node: NodeState, to: NodeId, progress: Progress): void {
  const transfer = progress.snapshotTransfer!;
  const { data, done } = transfer.readChunk(node.config.snapshotChunkBytes);
  node.outbox.push({
    type: 'InstallSnapshot',
    term: node.term,
    from: node.id,
    to,
    metadata: transfer.metadata,
    offset: transfer.acknowledgedOffset,
    data,
    done,
    sequence: node.sequence,
  });
  transfer.ticksSinceProgress = 0;
  progress.messagedThisReady = true;
}

export function handleInstallSnapshotResponse(node: NodeState, message: InstallSnapshotResponse): void {
  const progress = node.progress.get(message.from);
  if (progress === undefined) return;
  const newRound = onFollowerHeard(node, progress, message.sequence);
  const transfer = progress.snapshotTransfer;
  if (transfer !== null && message.snapshotIndex === transfer.metadata.index) {
    if (message.done && message.success) {
      // The follower holds everything through the snapshot: probe onwards from there.
      progress.maybeUpdate(transfer.metadata.index);
      progress.becomeProbe(transfer.metadata.index + 1);
      progress.catchingUpFromSnapshot = true;
      progress.needsAppend = true;
      maybeCommit(node);
    } else if (!message.success || message.nextOffset !== transfer.acknowledgedOffset) {
      // Resume where the follower says it is, also when that is behind us (paper §7: it writes a
      // chunk only at its next offset). A stale answer (a delayed one, or one from before the
      // follower restarted) may have moved us past it; its current answers bring us back, and a
      // stale one that moves us back costs one resent chunk. Equal offsets: a duplicate answer.
      transfer.acknowledgedOffset = message.success ? message.nextOffset : 0;
      sendSnapshotChunk(node, message.from, progress);
    }
  }
  if (newRound) onHeartbeatRoundAnswered(node, progress);
}
