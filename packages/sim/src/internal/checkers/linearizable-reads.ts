// Linearizable reads (thesis §6.4): a read returns the key as it stood at some index between
// the latest operation that completed before the read was issued and the highest index applied
// anywhere when it returned; its read index lies in that range too. Only observes.
import type { LogIndex, NodeId, ReadResult, Term } from '@raftkv/raft';
import type { AppliedHistory, KeyValueText } from './applied-history.js';
import type { Violations } from './violations.js';

interface IssuedRead {
  readonly key: string;
  /** The highest term that had a leader when the read was issued. */
  readonly leaderTerm: Term;
  /** Every operation acknowledged before the read was issued lies at or below this index. */
  readonly lowIndex: LogIndex;
}

export class LinearizableReadsChecker {
  private readonly issued = new Map<number, IssuedRead>();
  private completedIndex: LogIndex = 0;
  private servedCount = 0;

  constructor(
    private readonly violations: Violations,
    private readonly history: AppliedHistory,
    private readonly highestLeaderTerm: () => Term = () => 0,
  ) {}

  get served(): number {
    return this.servedCount;
  }

  /** An operation completed at `index` (an acknowledged proposal or a served read). */
  onCompleted(index: LogIndex): void {
    if (index > this.completedIndex) this.completedIndex = index;
  }

  onIssued(readId: number, key: string): void {
    this.issued.set(readId, { key, lowIndex: this.completedIndex, leaderTerm: this.highestLeaderTerm() });
  }

  /** `servedInTerm`: the serving node's term when the result came back (at least its term when it confirmed the read). */
  onResult(readId: number, node: NodeId, result: ReadResult<KeyValueText>, servedInTerm?: Term): void {
    const read = this.issued.get(readId);
    this.issued.delete(readId);
    if (read === undefined || !result.ok) return;
    this.servedCount += 1;
    const highIndex = this.history.lastIndex;
    const where = `read #${readId} of ${read.key} served by ${node} at read index ${result.index}`;
    if (servedInTerm !== undefined && servedInTerm < read.leaderTerm) {
      this.violations.report(
        'linearizable-reads',
        `${where} in term ${servedInTerm}, but a leader of term ${read.leaderTerm} was elected before the read was issued`,
      );
      return;
    }
    if (result.index < read.lowIndex || result.index > highIndex) {
      this.violations.report(
        'linearizable-reads',
        `${where}: the read index is outside [${read.lowIndex}, ${highIndex}] (completed before it .. applied anywhere)`,
      );
      return;
    }
    const possible = this.history.valuesBetween(read.key, read.lowIndex, highIndex);
    if (!possible.includes(result.result)) {
      this.violations.report(
        'linearizable-reads',
        `${where} returned ${JSON.stringify(result.result)}, which ${read.key} never held in indexes [${read.lowIndex}, ${highIndex}]`,
      );
      return;
    }
    this.onCompleted(result.index);
  }
}
