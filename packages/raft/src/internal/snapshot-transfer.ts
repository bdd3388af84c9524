// The leader's side of one InstallSnapshot transfer (paper §7): the open snapshot reader and how far
// the follower has acknowledged. One chunk outstanding at a time; the reader is closed exactly once.
import type { SnapshotMetadata, SnapshotReader } from '../types.js';

export class SnapshotTransfer {
  /** Bytes the follower has acknowledged receiving in order: the next chunk starts here. */
  acknowledgedOffset = 0;
  /** Ticks since the follower last made progress; the current chunk is resent when this grows large. */
  ticksSinceProgress = 0;
  private closed = false;

  constructor(private readonly reader: SnapshotReader) {}

  get metadata(): SnapshotMetadata {
    return this.reader.metadata;
  }

  /** The chunk at the acknowledged offset and whether it is the last one. */
  readChunk(chunkBytes: number): { readonly data: Uint8Array; readonly done: boolean } {
    const data = this.reader.readChunk(this.acknowledgedOffset, chunkBytes);
    const done =
      data.byteLength === 0 ||
      this.reader.readChunk(this.acknowledgedOffset + data.byteLength, 1).byteLength === 0;
    return { data, done };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.close();
  }
}
