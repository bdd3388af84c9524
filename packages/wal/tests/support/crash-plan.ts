// Test support for the crash tests of @raftkv/wal and @raftkv/storage: the deterministic batch plan
// that the child writes and the parent replays as its model. Batch b depends only on (seed, b, lastIndex before b).
import { type Entry, type HardState, nodeId, SeededPrng } from '@raftkv/raft';

export interface PlannedBatch {
  readonly entries: readonly Entry[];
  readonly hardState: HardState;
}

/** Every 7th batch also overwrites up to 3 trailing entries (a conflicting suffix, paper §5.3). */
export function planBatch(seed: number, batch: number, lastIndex: number): PlannedBatch {
  const random = new SeededPrng((BigInt(seed) << 32n) | BigInt(batch));
  const overwritten = batch % 7 === 0 ? Math.min(3, lastIndex) : 0;
  const start = lastIndex + 1 - overwritten;
  const count = overwritten + 1 + random.nextInt(64);
  const entries: Entry[] = [];
  for (let offset = 0; offset < count; offset++) {
    const data = new Uint8Array(16 + random.nextInt(240));
    data.set(new TextEncoder().encode(`${batch}:${offset}:`));
    entries.push({ index: start + offset, term: batch, kind: 'command', data });
  }
  return {
    entries,
    hardState: { term: batch, votedFor: nodeId(`n${1 + (batch % 3)}`), commitIndex: start - 1 },
  };
}

/** The batch that wrote `entry` (its data starts with "batch:offset:"). */
export function batchOfEntry(entry: Entry): number {
  if (entry.kind !== 'command') throw new Error(`entry ${entry.index} is not a planned command`);
  return Number.parseInt(new TextDecoder().decode(entry.data.subarray(0, 12)).split(':')[0]!, 10);
}

/** The parent's model: the log after batches 1..batch, applied in order. */
export class PlannedLog {
  entries: Entry[] = [];
  hardState: HardState = { term: 0, votedFor: null, commitIndex: 0 };
  batch = 0;

  constructor(private readonly seed: number) {}

  advanceTo(batch: number): void {
    for (; this.batch < batch; ) {
      this.batch++;
      const plan = planBatch(this.seed, this.batch, this.entries.length);
      this.entries.length = plan.entries[0]!.index - 1;
      this.entries.push(...plan.entries);
      this.hardState = plan.hardState;
    }
  }
}
