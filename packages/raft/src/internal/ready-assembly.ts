// The Ready cycle: assembling a Ready from the node's output and acknowledging it with advance().
import { assert } from '../assert.js';
import type { HardState, Ready, SoftState } from '../types.js';
import { maybeCommit } from './commitment.js';
import { entriesBytes } from './entry-bytes.js';
import { maybeStepDownAfterRemoval } from './membership-changes.js';
import { currentHardState, currentSoftState, type NodeState } from './node-state.js';
import { flushLeaderMessages } from './replication.js';

/** Whether ready() would return anything. Builds pending AppendEntries first (batching). */
export function hasReady(node: NodeState): boolean {
  flushLeaderMessages(node);
  node.followerReads.flush(node);
  return (
    node.outbox.length > 0 ||
    node.readStates.length > 0 ||
    node.followerReads.abandoned.length > 0 ||
    node.log.unstableEntries().length > 0 ||
    node.log.unstableSnapshot !== null ||
    node.log.hasCommittedEntriesToApply() ||
    !sameHardState(currentHardState(node), node.previousHardState) ||
    !sameSoftState(currentSoftState(node), node.previousSoftState)
  );
}

/** What the application must do now; see Ready for the order. Follow it with advance(). */
export function buildReady(node: NodeState): Ready {
  assert(node.outstandingReady === null, `${node.id}: ready() called again before advance()`);
  flushLeaderMessages(node);
  node.followerReads.flush(node);
  const hardState = currentHardState(node);
  const softState = currentSoftState(node);
  const ready: Ready = {
    hardState: sameHardState(hardState, node.previousHardState) ? null : hardState,
    entries: node.log.unstableEntries().slice(),
    snapshot: node.log.unstableSnapshot,
    committedEntries: node.log.committedEntriesToApply(node.config.maxMessageEntriesBytes),
    messages: node.outbox,
    readStates: node.readStates,
    abandonedReads: node.followerReads.takeAbandoned(),
    softState: sameSoftState(softState, node.previousSoftState) ? null : softState,
  };
  node.outbox = [];
  node.readStates = [];
  for (const progress of node.progress.values()) progress.messagedThisReady = false;
  node.outstandingReady = ready;
  return ready;
}

/** The application did what `ready` asked: it is durable, sent and applied. */
export function advanceReady(node: NodeState, ready: Ready): void {
  assert(
    ready === node.outstandingReady,
    `${node.id}: advance() with a Ready that is not the outstanding one`,
  );
  node.outstandingReady = null;
  if (ready.hardState !== null) node.previousHardState = ready.hardState;
  if (ready.softState !== null) node.previousSoftState = ready.softState;
  if (ready.snapshot !== null) {
    node.log.stableSnapshotTo(ready.snapshot.metadata.index);
    node.log.appliedTo(ready.snapshot.metadata.index);
  }
  const lastEntry = ready.entries[ready.entries.length - 1];
  if (lastEntry !== undefined) node.log.stableTo(lastEntry.index, lastEntry.term);
  const lastApplied = ready.committedEntries[ready.committedEntries.length - 1];
  if (lastApplied !== undefined) {
    node.log.appliedTo(lastApplied.index);
    if (node.role === 'leader') {
      node.uncommittedBytes = Math.max(0, node.uncommittedBytes - entriesBytes(ready.committedEntries));
    }
  }
  // The leader counts itself only for entries it has persisted (thesis §10.2.1).
  maybeCommit(node);
  maybeStepDownAfterRemoval(node);
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.votedFor === b.votedFor && a.commitIndex === b.commitIndex;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.term === b.term && a.leaderId === b.leaderId;
}
