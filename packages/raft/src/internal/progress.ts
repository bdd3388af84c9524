// The leader's view of one follower (etcd "Progress", paper §5.3 nextIndex/matchIndex): probe
// (one AppendEntries until answered), replicate (pipelined, bounded by Inflights) or snapshot.
import type { FollowerProgress, ReplicationState } from '../status.js';
import type { LogIndex } from '../types.js';
import { Inflights } from './inflights.js';
import type { SnapshotTransfer } from './snapshot-transfer.js';

export class Progress {
  matchIndex: LogIndex = 0;
  nextIndex: LogIndex;
  state: ReplicationState = 'probe';
  /** Probe state: an AppendEntries is outstanding; wait for its answer (or the next heartbeat round). */
  probeSent = false;
  /** Heard from within the current check-quorum window (thesis §6.2). */
  recentlyActive = true;
  /**
   * Heard from within the previous check-quorum window. With recentlyActive it tells "heard within
   * the last election timeout" without the gap right after each window starts, when recentlyActive
   * is false for every follower until it answers again.
   */
  activeInPreviousWindow = true;
  /** The highest heartbeat sequence this follower echoed in the current term (thesis §6.4). */
  sequenceEchoed = 0;
  /** Set when there may be something to send; the next Ready builds the messages (batching). */
  needsAppend = false;
  /** Also send an empty AppendEntries if there is nothing new, to provoke an answer. */
  needsEmptyAppend = false;
  /** Whether a message went to this follower in the current Ready (heartbeats then skip it). */
  messagedThisReady = false;
  readonly inflights: Inflights;
  snapshotTransfer: SnapshotTransfer | null = null;
  /**
   * Installed a snapshot from this leader and has not yet matched its commit index: it needs the
   * entries after its matchIndex next, by AppendEntries (leader-snapshots.ts snapshotCatchUpLimit).
   */
  catchingUpFromSnapshot = false;

  constructor(nextIndex: LogIndex, maxInflightMessages: number, maxInflightBytes: number) {
    this.nextIndex = nextIndex;
    this.inflights = new Inflights(maxInflightMessages, maxInflightBytes);
  }

  /** Whether no AppendEntries may be sent now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.isFull();
      case 'snapshot':
        return true;
    }
  }

  /** A success answer: raises matchIndex (never lowers it). Returns whether it rose. */
  maybeUpdate(matchIndex: LogIndex): boolean {
    if (matchIndex <= this.matchIndex) return false;
    this.matchIndex = matchIndex;
    if (this.nextIndex <= matchIndex) this.nextIndex = matchIndex + 1;
    this.probeSent = false;
    return true;
  }

  /** Records an AppendEntries just sent whose last entry is `lastIndex` (0 entries: lastIndex = nextIndex-1). */
  onSent(lastIndex: LogIndex, bytes: number): void {
    this.messagedThisReady = true;
    if (this.state === 'replicate') {
      if (lastIndex >= this.nextIndex) {
        this.nextIndex = lastIndex + 1;
        this.inflights.add(lastIndex, bytes);
      }
    } else {
      this.probeSent = true;
    }
  }

  becomeProbe(nextIndex: LogIndex): void {
    this.closeSnapshotTransfer();
    this.state = 'probe';
    this.probeSent = false;
    this.nextIndex = Math.max(nextIndex, this.matchIndex + 1);
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.closeSnapshotTransfer();
    this.state = 'replicate';
    this.probeSent = false;
    this.nextIndex = this.matchIndex + 1;
    this.inflights.reset();
  }

  becomeSnapshot(transfer: SnapshotTransfer): void {
    this.closeSnapshotTransfer();
    this.state = 'snapshot';
    this.catchingUpFromSnapshot = false;
    this.probeSent = false;
    this.inflights.reset();
    this.snapshotTransfer = transfer;
  }

  closeSnapshotTransfer(): void {
    this.snapshotTransfer?.close();
    this.snapshotTransfer = null;
  }

  view(): FollowerProgress {
    return {
      matchIndex: this.matchIndex,
      nextIndex: this.nextIndex,
      state: this.state,
      inflightMessages: this.inflights.count,
      recentlyActive: this.recentlyActive,
    };
  }
}
