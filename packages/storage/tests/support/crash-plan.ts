// Test support for the crash-safety test: what the data directory's child adds to the write-ahead
// log's batch plan (@raftkv/wal/test-support/crash-plan): the sizes it opens with, the KV key that
// records each applied batch, and where it compacts.

export const crashMapSizeBytes = 64 * 1024 * 1024;
/**
 * Small, so the write-ahead log is rewritten every few dozen batches: each start replays a bounded
 * segment (not every batch the lane ever wrote), and kills also land inside rewrites.
 */
export const crashWalSegmentBytesMin = 64 * 1024;
/** The child compacts to keep about this many entries once the log holds twice as many. */
const keptEntries = 200;

/** The KV key under which the child records that it applied `batch`. */
export function appliedBatchKey(batch: number): Uint8Array {
  return new TextEncoder().encode(`applied/${String(batch).padStart(10, '0')}`);
}

/** Where the child compacts after a batch, if it does. */
export function compactionIndexFor(firstIndex: number, lastIndex: number): number | undefined {
  return lastIndex - firstIndex + 1 > 2 * keptEntries ? lastIndex - keptEntries : undefined;
}
