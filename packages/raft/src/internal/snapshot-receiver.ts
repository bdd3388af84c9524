// The follower's side of one InstallSnapshot transfer (paper §7): chunks of one snapshot accumulated
// strictly in order; a chunk for another snapshot restarts it. Holds bytes only; no I/O.
import type { InstallSnapshot, ReceivedSnapshot, SnapshotMetadata } from '../types.js';

export class SnapshotReceiver {
  private readonly chunks: Uint8Array[] = [];
  private receivedBytes = 0;

  constructor(readonly metadata: SnapshotMetadata) {}

  get nextOffset(): number {
    return this.receivedBytes;
  }

  isFor(message: InstallSnapshot): boolean {
    return message.metadata.index === this.metadata.index && message.metadata.term === this.metadata.term;
  }

  /** Appends the message's chunk if it continues exactly where we are; returns whether it did. */
  maybeAccept(message: InstallSnapshot): boolean {
    if (message.offset !== this.receivedBytes) return false;
    if (message.data.byteLength > 0) this.chunks.push(message.data);
    this.receivedBytes += message.data.byteLength;
    return true;
  }

  complete(): ReceivedSnapshot {
    return { metadata: this.metadata, chunks: this.chunks };
  }
}
