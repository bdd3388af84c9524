// After the heal, a leader sends each member at most one full InstallSnapshot transfer per term;
// a second one (a newer snapshot from offset 0) is reported as snapshot churn.
import type { Message, NodeId } from '@raftkv/raft';
import type { Violations } from './violations.js';

/**
 * InstallSnapshot (paper §7, thesis §5) brings a follower up to the snapshot; from there it
 * catches up by AppendEntries. If the leader compacts the entries after the snapshot before the
 * follower has them, the follower needs a second full snapshot, and under steady load it may never
 * catch up (seeds 7866 and 2478; RaftNode.compactionLimit). After the heal nothing crashes, pauses,
 * loses or duplicates a message, so a follower never loses a snapshot it received: one leader in one
 * term needs to open at most one snapshot for it. Sending the same snapshot again from offset 0 (a
 * resent chunk, or a follower asking for a restart) is not counted; a second distinct snapshot is.
 * Only snapshots opened after the heal count: a transfer the leader opened before it (e.g. while the
 * member was down, when it holds no entries back) may be stale on arrival and legitimately followed
 * by one newer snapshot (seed 1421).
 */
export class SnapshotChurnChecker {
  private healed = false;
  /** `leader term follower index` of every snapshot a leader has sent a member a chunk of. */
  private readonly sent = new Set<string>();
  /** `leader term follower` → the snapshot a leader opened for a member after the heal. */
  private readonly openedAfterHeal = new Map<string, number>();

  constructor(private readonly violations: Violations) {}

  /** Called at the heal: from now on a second snapshot opened for one member is a violation. */
  begin(): void {
    this.healed = true;
  }

  onMessageSent(message: Message): void {
    if (message.type !== 'InstallSnapshot') return;
    const transfer = transferKey(message.from, message.term, message.to);
    const index = message.metadata.index;
    const snapshot = `${transfer} ${index}`;
    const seen = this.sent.has(snapshot);
    this.sent.add(snapshot);
    if (!this.healed || seen || message.offset !== 0) return;
    const earlier = this.openedAfterHeal.get(transfer);
    this.openedAfterHeal.set(transfer, index);
    if (earlier === undefined) return;
    this.violations.report(
      'snapshot-churn',
      `after the heal leader ${message.from} (term ${message.term}) started a second full snapshot ` +
        `transfer to ${message.to}: snapshot ${index} after snapshot ${earlier}`,
    );
  }
}

function transferKey(leader: NodeId, term: number, follower: NodeId): string {
  return `${leader} ${term} ${follower}`;
}
