// When raftkvd commits the KV store's deferred LMDB writes: once an interval has passed since the
// last commit, or sooner once the bytes applied since then pass a bound (they wait in one open LMDB
// transaction, in memory). Until then a crash loses only applied state, which the log re-applies at
// restart (paper fig. 2: the state machine is volatile; the log is the durable record).

/** etcd's backend commits its B-tree every 100 ms; one LMDB commit here costs 5–40 ms of event loop. */
export const deferredCommitIntervalMs = 1000;
/** Applied command bytes held in the open transaction before it is committed regardless of time. */
export const deferredCommitBytesMax = 32 * 1024 * 1024;

export interface DeferredCommitLimits {
  readonly intervalMs: number;
  readonly bytesMax: number;
}

export class DeferredCommitSchedule {
  private appliedBytes = 0;
  private lastCommitAtMs: number;

  constructor(
    nowMs: number,
    private readonly limits: DeferredCommitLimits = {
      intervalMs: deferredCommitIntervalMs,
      bytesMax: deferredCommitBytesMax,
    },
  ) {
    this.lastCommitAtMs = nowMs;
  }

  noteApplied(bytes: number): void {
    this.appliedBytes += bytes;
  }

  isDue(nowMs: number): boolean {
    return this.appliedBytes >= this.limits.bytesMax || nowMs - this.lastCommitAtMs >= this.limits.intervalMs;
  }

  /** The deferred writes were committed (or there were none) at `nowMs`. */
  committed(nowMs: number): void {
    this.appliedBytes = 0;
    this.lastCommitAtMs = nowMs;
  }
}
