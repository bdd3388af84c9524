// The check WalLogStorage makes before a persist: new entries are contiguous and start inside
// [first, last + 1], so they can only extend the log or replace a suffix of it (paper §5.3).
import { assert, type Entry, type LogIndex } from '@raftkv/raft';

/** Asserts `entries` may be written after a log spanning `first`..`last`; `storage` names the caller. */
export function assertAppendable(
  storage: string,
  entries: readonly Entry[],
  first: LogIndex,
  last: LogIndex,
): void {
  if (entries.length === 0) return;
  const start = entries[0]!.index;
  assert(
    start >= first && start <= last + 1,
    () => `${storage}.persist: entries start at ${start}, outside [${first}, ${last + 1}]`,
  );
  for (let offset = 0; offset < entries.length; offset++) {
    const index = entries[offset]!.index;
    assert(index === start + offset, () => `${storage}.persist: entries not contiguous at ${index}`);
  }
}
