// What a point-in-time store view holds, for a backup file's header: its user key count and KV
// revision, read through the state machine's own keyspace layout. Pure; reads the view only.
import { readUint64 } from './internal/bytes.js';
import { isUserStoreKey, revisionKey } from './internal/keyspace.js';
import type { KvStoreSnapshotView } from './store-port.js';

export interface KvSnapshotSummary {
  /** User keys in the view (sessions and counters are not counted). */
  readonly keyCount: number;
  /** The KV revision: how many writes changed a key up to the view's applied index. */
  readonly revision: number;
}

/** One pass over the view's pairs; the view stays open and may be iterated again. */
export function summarizeSnapshotView(view: KvStoreSnapshotView): KvSnapshotSummary {
  return summarizeStorePairs(view.entries());
}

/** The same summary over store pairs, e.g. those decoded from a snapshot stream. */
export function summarizeStorePairs(pairs: Iterable<readonly [Uint8Array, Uint8Array]>): KvSnapshotSummary {
  const summary = new KvSnapshotSummarizer();
  for (const [key, value] of pairs) summary.add(key, value);
  return summary.result();
}

/** The summary a pair at a time, for a caller that pauses between pairs (a long backup). */
export class KvSnapshotSummarizer {
  private keyCount = 0;
  private revision = 0;

  add(key: Uint8Array, value: Uint8Array): void {
    if (isUserStoreKey(key)) this.keyCount++;
    else if (sameBytes(key, revisionKey)) this.revision = readUint64(value, 0);
  }

  result(): KvSnapshotSummary {
    return { keyCount: this.keyCount, revision: this.revision };
  }
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, position) => byte === right[position]);
}
