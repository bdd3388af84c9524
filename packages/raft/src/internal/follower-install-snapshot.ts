// Follower side of InstallSnapshot (paper §7): receiving chunks and installing the snapshot.
import type { InstallSnapshot, InstallSnapshotResponse } from '../types.js';
import { onCommitAdvanced } from './commitment.js';
import type { NodeState } from './node-state.js';
import { SnapshotReceiver } from './snapshot-receiver.js';

export function handleInstallSnapshot(node: NodeState, message: InstallSnapshot): void {
  let receiver = node.snapshotReceiver;
  if (receiver === null || !receiver.isFor(message)) {
    if (message.offset !== 0) {
      node.outbox.push(installSnapshotResponse(node, message, 0, false, false));
      return;
    }
    receiver = new SnapshotReceiver(message.metadata);
    node.snapshotReceiver = receiver;
  }
  if (!receiver.maybeAccept(message) || !message.done) {
    node.outbox.push(installSnapshotResponse(node, message, receiver.nextOffset, false, true));
    return;
  }
  node.snapshotReceiver = null;
  maybeRestore(node, receiver);
  node.outbox.push(installSnapshotResponse(node, message, receiver.nextOffset, true, true));
}

/** Paper §7: install a received snapshot unless our log already covers it. */
function maybeRestore(node: NodeState, receiver: SnapshotReceiver): void {
  const { index, term, configuration } = receiver.metadata;
  if (index <= node.log.commitIndex) return;
  if (node.log.matchTerm(index, term)) {
    // Our log already holds that entry: it and everything before it is committed; keep the rest.
    if (node.log.commitTo(index)) onCommitAdvanced(node);
    return;
  }
  node.log.restore(receiver.complete());
  node.configurations.reset(index, configuration);
}

export function installSnapshotResponse(
  node: NodeState,
  message: InstallSnapshot,
  nextOffset: number,
  done: boolean,
  success: boolean,
): InstallSnapshotResponse {
  return {
    type: 'InstallSnapshotResponse',
    term: node.term,
    from: node.id,
    to: message.from,
    snapshotIndex: message.metadata.index,
    nextOffset,
    done,
    success,
    sequence: message.sequence,
  };
}
