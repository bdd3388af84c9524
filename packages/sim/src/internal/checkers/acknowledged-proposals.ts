// Acknowledged proposals: a proposal acknowledged as applied at (index, term) is the entry every node
// applies there, with the same result; a proposal refused with a definite reason is never applied;
// a proposal is applied at most once. Values are unique per proposal. Only observes.
import type { LogIndex, NodeId, ProposalResult } from '@raftkv/raft';
import type { RegisterResult } from '../register-commands.js';
import type { AppliedEntry, AppliedHistory } from './applied-history.js';
import { entryIdentity } from './log-matching.js';
import type { Violations } from './violations.js';

/** Refusals after which the entry can never be applied (all but 'outcome-unknown'). */
const definiteRefusal = (reason: string): boolean => reason !== 'outcome-unknown';

export class AcknowledgedProposalsChecker {
  private readonly proposedData = new Map<string, Uint8Array>();
  private readonly refused = new Map<string, { readonly node: NodeId; readonly reason: string }>();
  private readonly appliedAt = new Map<string, LogIndex>();
  private acknowledgedCount = 0;
  private highestAcknowledged: LogIndex = 0;

  constructor(
    private readonly violations: Violations,
    private readonly history: AppliedHistory,
  ) {
    history.onNewEntry((entry) => this.onNewEntry(entry));
  }

  get acknowledged(): number {
    return this.acknowledgedCount;
  }

  /** The highest index of any acknowledged proposal. */
  get highestAcknowledgedIndex(): LogIndex {
    return this.highestAcknowledged;
  }

  onProposed(value: string, data: Uint8Array): void {
    this.proposedData.set(value, data);
  }

  onResult(value: string, node: NodeId, result: ProposalResult<RegisterResult>): void {
    if (!result.ok) {
      if (!definiteRefusal(result.reason)) return;
      const index = this.appliedAt.get(value);
      if (index !== undefined) {
        this.violations.report(
          'acknowledged-proposals',
          `${node} refused proposal ${value} (${result.reason}), but it was applied at index ${index}`,
        );
      }
      this.refused.set(value, { node, reason: result.reason });
      return;
    }
    this.acknowledgedCount += 1;
    this.highestAcknowledged = Math.max(this.highestAcknowledged, result.index);
    const where = `${node} acknowledged proposal ${value} at index ${result.index} term ${result.term}`;
    const applied = this.history.entryAt(result.index);
    if (applied === undefined) {
      this.violations.report('acknowledged-proposals', `${where}, but no node has applied that index`);
    } else if (applied.identity !== this.identityOf(value, result.index, result.term)) {
      this.violations.report(
        'acknowledged-proposals',
        `${where}, but index ${result.index} holds ${applied.command?.value ?? 'another entry'} of term ${applied.term}`,
      );
    } else if (applied.result !== result.result) {
      this.violations.report(
        'acknowledged-proposals',
        `${where} with result ${JSON.stringify(result.result)}, but applying it yields ${JSON.stringify(applied.result)}`,
      );
    }
  }

  private identityOf(value: string, index: LogIndex, term: number): string {
    const data = this.proposedData.get(value) ?? new Uint8Array();
    return entryIdentity({ index, term, kind: 'command', data });
  }

  private onNewEntry(entry: AppliedEntry): void {
    const value = entry.command?.value;
    if (value === undefined) return;
    const earlier = this.appliedAt.get(value);
    if (earlier !== undefined) {
      this.violations.report(
        'acknowledged-proposals',
        `proposal ${value} applied twice: at index ${earlier} and ${entry.index}`,
      );
      return;
    }
    this.appliedAt.set(value, entry.index);
    const refusal = this.refused.get(value);
    if (refusal !== undefined) {
      this.violations.report(
        'acknowledged-proposals',
        `proposal ${value} applied at index ${entry.index} term ${entry.term}, but ${refusal.node} refused it (${refusal.reason})`,
      );
    }
  }
}
