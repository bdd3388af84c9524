// The core's invariants, asserted at the end of every public call that changes state.
import { assert } from '../assert.js';
import { isBrokenVariant } from '../testing.js';
import type { Membership } from './membership.js';
import { isReplicationTarget } from './membership-changes.js';
import type { NodeState } from './node-state.js';

/** Assertions at the end of every tick/step/propose/advance: a failure is a bug in the core. */
export function checkInvariants(node: NodeState): void {
  const id = node.id;
  assert(node.term >= node.highestTermSeen, () => `${id}: term went back to ${node.term}`);
  node.highestTermSeen = node.term;
  const lastIndex = node.log.lastIndex();
  const { commitIndex, appliedIndex } = node.log;
  assert(commitIndex <= lastIndex, () => `${id}: commitIndex ${commitIndex} > lastIndex ${lastIndex}`);
  if (!isBrokenVariant('apply-before-commit')) {
    assert(
      appliedIndex <= commitIndex,
      () => `${id}: appliedIndex ${appliedIndex} > commitIndex ${commitIndex}`,
    );
  }
  const membership: Membership = node.configurations.latest;
  assert(
    membership.configuration.members.length === 0 || membership.voters.length > 0,
    () => `${id}: configuration without a voter`,
  );
  if (node.role !== 'follower') {
    const { queuedCount, outstandingCount } = node.followerReads;
    assert(
      queuedCount === 0 && outstandingCount === 0,
      () =>
        `${id}: ${node.role} keeps ${queuedCount} queued and ${outstandingCount} sent follower read requests`,
    );
  }
  if (node.role !== 'leader') {
    assert(node.progress.size === 0, () => `${id}: ${node.role} keeps leader progress`);
    assert(node.reads.size === 0, () => `${id}: ${node.role} keeps ${node.reads.size} leader reads`);
    return;
  }
  assert(node.leaderId === id, () => `${id}: leader with leaderId ${node.leaderId}`);
  assert(node.log.lastStableIndex() <= lastIndex, () => `${id}: own match index beyond lastIndex`);
  for (const [follower, progress] of node.progress) {
    assert(
      progress.matchIndex <= lastIndex &&
        progress.nextIndex > progress.matchIndex &&
        progress.nextIndex <= lastIndex + 1,
      () =>
        `${id}: progress of ${follower} match ${progress.matchIndex} next ${progress.nextIndex} last ${lastIndex}`,
    );
    assert(isReplicationTarget(node, follower), () => `${id}: progress for non-member ${follower}`);
    assert(
      (progress.state === 'snapshot') === (progress.snapshotTransfer !== null),
      () =>
        `${id}: progress of ${follower} in ${progress.state} with transfer ${progress.snapshotTransfer !== null}`,
    );
  }
}
