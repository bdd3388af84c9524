// The configurations in a node's log after the last committed one (thesis §4.1): the latest is in
// force whether committed or not, and truncating its entry reverts to the previous one. No I/O.
import { assert } from '../assert.js';
import type { Configuration, LogIndex } from '../types.js';
import { Membership } from './membership.js';

interface ConfigurationAt {
  readonly index: LogIndex;
  readonly membership: Membership;
}

export class ConfigurationHistory {
  /** Ascending by index; the first is the base (compaction point or last committed configuration). */
  private items: ConfigurationAt[];

  constructor(index: LogIndex, configuration: Configuration) {
    this.items = [{ index, membership: new Membership(configuration) }];
  }

  /** The configuration in force (thesis §4.1: the latest in the log, committed or not). */
  get latest(): Membership {
    return this.items[this.items.length - 1]!.membership;
  }

  /** The index of the entry holding the latest configuration (0 or the compaction point for the base). */
  get latestIndex(): LogIndex {
    return this.items[this.items.length - 1]!.index;
  }

  /** The configuration before the latest one, if still known. */
  get previous(): Membership | null {
    return this.items.length < 2 ? null : this.items[this.items.length - 2]!.membership;
  }

  append(index: LogIndex, configuration: Configuration): void {
    assert(index > this.latestIndex, () => `configuration at ${index} not after ${this.latestIndex}`);
    this.items.push({ index, membership: new Membership(configuration) });
  }

  /** Forgets configurations at or after `index` (their entries were truncated). Returns whether the latest changed. */
  truncateFrom(index: LogIndex): boolean {
    const before = this.items.length;
    while (this.items.length > 1 && this.items[this.items.length - 1]!.index >= index) this.items.pop();
    assert(this.items[0]!.index < index, () => `truncation at ${index} below the base configuration`);
    return this.items.length !== before;
  }

  /** Replaces everything with a snapshot's configuration (paper §7). */
  reset(index: LogIndex, configuration: Configuration): void {
    this.items = [{ index, membership: new Membership(configuration) }];
  }

  /** Drops configurations that can never be reverted to: all but the last one at or below commitIndex. */
  pruneCommitted(commitIndex: LogIndex): void {
    let keepFrom = 0;
    for (let i = 1; i < this.items.length && this.items[i]!.index <= commitIndex; i += 1) keepFrom = i;
    if (keepFrom > 0) this.items = this.items.slice(keepFrom);
  }
}
