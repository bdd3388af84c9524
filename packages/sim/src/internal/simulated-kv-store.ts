// An in-memory KvStore that models raftkvd's DEFERRED KV commit: writes are atomic and visible at once
// but become durable only at a checkpoint (every K ticks and/or after B bytes, always before the log
// discards entries, before a snapshot view and with a restore); a crash reverts to the last checkpoint.
import {
  type KvStore,
  type KvStoreSnapshotView,
  type KvStoreWriter,
  MemoryKvStore,
  type StoreMetadata,
} from '@raftkv/kv';
import type { NodeId } from '@raftkv/raft';
import { isBrokenVariant } from '@raftkv/raft/testing';
import { SimulatedCrash } from './simulated-crash.js';

/** When applied state becomes durable (raftkvd: once a second or after 32 MiB; here seed-drawn). */
export interface KvCommitPolicy {
  /** Checkpoint once the node has ticked this many times since the last one (null: never by time). */
  readonly everyTicks: number | null;
  /** Checkpoint once this many key and value bytes were written since the last one (null: never by size). */
  readonly afterBytes: number | null;
}

/**
 * Two MemoryKvStore layers: `durable` (what survives a crash) and `live` (durable plus the pending,
 * committed-but-not-yet-durable writes, which every read sees). Paper fig. 2: the state machine is
 * volatile; the log re-applies what a crash lost, so the store's appliedIndex may go back.
 */
export class SimulatedKvStore implements KvStore {
  private readonly durable = new MemoryKvStore();
  private readonly live = new MemoryKvStore();
  /** Whether `live` holds writes that `durable` lacks. */
  private pending = false;
  private pendingBytes = 0;
  private ticksSinceCheckpoint = 0;
  private checkpointCount = 0;
  /**
   * The live state before its latest write, kept only for the broken variant
   * 'deferred-commit-records-unwritten-apply' (tests): its checkpoint makes this durable under the
   * latest write's metadata.
   */
  private beforeLatestWrite: MemoryKvStore | null = null;

  constructor(
    readonly id: NodeId,
    private readonly policy: KvCommitPolicy,
    /** Decides, per write, whether the node crashes before the write commits (crash in apply). */
    private readonly decideWriteCrash: () => boolean,
  ) {}

  /** How many checkpoints made pending writes durable. */
  get checkpoints(): number {
    return this.checkpointCount;
  }

  /** Whether a crash now would lose applied state. */
  get hasPendingWrites(): boolean {
    return this.pending;
  }

  metadata(): StoreMetadata {
    return this.live.metadata();
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.live.get(key);
  }

  range(start: Uint8Array, end: Uint8Array | null, limit: number): Array<[Uint8Array, Uint8Array]> {
    return this.live.range(start, end, limit);
  }

  /** Atomic and visible at once; durable at the next checkpoint. May crash the node before it commits. */
  write<T>(metadata: StoreMetadata, body: (writer: KvStoreWriter) => T): T {
    let bytes = 0;
    if (isBrokenVariant('deferred-commit-records-unwritten-apply')) {
      this.beforeLatestWrite ??= new MemoryKvStore();
      copyInto(this.live, this.beforeLatestWrite);
    }
    const result = this.live.write(metadata, (writer) => {
      const value = body({
        get: (key) => writer.get(key),
        range: (start, end, limit) => writer.range(start, end, limit),
        put: (key, data) => {
          bytes += key.length + data.length;
          writer.put(key, data);
        },
        delete: (key) => {
          bytes += key.length;
          writer.delete(key);
        },
      });
      if (this.decideWriteCrash())
        throw new SimulatedCrash(this.id, 'in apply, before the KV store write committed');
      return value;
    });
    this.pending = true;
    this.pendingBytes += bytes;
    const { afterBytes } = this.policy;
    if (afterBytes !== null && this.pendingBytes >= afterBytes) this.checkpoint();
    return result;
  }

  /** As LMDB's read view does, a snapshot view first makes the deferred writes durable. */
  openSnapshotView(): KvStoreSnapshotView {
    this.checkpoint();
    return this.live.openSnapshotView();
  }

  /** Durable at once, together with everything written before it (a restore commits, paper §7). */
  replaceAll(entries: Iterable<[Uint8Array, Uint8Array]>, metadata: StoreMetadata): void {
    this.live.replaceAll(entries, metadata);
    this.pending = true;
    this.checkpoint();
  }

  close(): void {
    this.live.close();
    this.durable.close();
  }

  /** One tick of this node's clock: checkpoints when the policy's interval has passed. */
  onTick(): void {
    this.ticksSinceCheckpoint += 1;
    const { everyTicks } = this.policy;
    if (everyTicks !== null && this.ticksSinceCheckpoint >= everyTicks) this.checkpoint();
  }

  /** Makes every write so far durable (raftkvd's commitDeferredTurns). */
  checkpoint(): void {
    this.ticksSinceCheckpoint = 0;
    this.pendingBytes = 0;
    if (!this.pending) return;
    if (this.beforeLatestWrite !== null && isBrokenVariant('deferred-commit-records-unwritten-apply')) {
      copyInto(this.beforeLatestWrite, this.durable, this.live.metadata());
    } else {
      copyInto(this.live, this.durable);
    }
    this.pending = false;
    this.checkpointCount += 1;
  }

  /** The node crashed: the pending writes are lost and the store is back at the last checkpoint. */
  crash(): void {
    this.ticksSinceCheckpoint = 0;
    this.pendingBytes = 0;
    if (!this.pending) return;
    copyInto(this.durable, this.live);
    this.pending = false;
  }
}

/** Makes `to` hold `from`'s pairs, under `metadata` (by default `from`'s own). */
function copyInto(from: MemoryKvStore, to: MemoryKvStore, metadata?: StoreMetadata): void {
  const view = from.openSnapshotView();
  try {
    to.replaceAll(view.entries(), metadata ?? view.metadata);
  } finally {
    view.close();
  }
}
