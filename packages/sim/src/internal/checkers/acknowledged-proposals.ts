// Acknowledged proposals: a proposal acknowledged as applied at (index, term) is the entry every node
// applies there, with the same result; a log entry is never applied more often than it was proposed
// and not definitely refused. A retried request is proposed again (its bytes may repeat), so the
// accounting is per distinct command bytes: each proposal yields at most one entry. Only observes.
import type { KvApplyResult } from '@raftkv/kv';
import type { LogIndex, NodeId, ProposalResult } from '@raftkv/raft';
import { resultText, sameResult } from '../kv-text.js';
import type { AppliedEntry, AppliedHistory } from './applied-history.js';
import { bytesIdentity, entryIdentity } from './log-matching.js';
import type { Violations } from './violations.js';

/** Refusals after which the entry can never be applied (all but 'outcome-unknown'). */
const definiteRefusal = (reason: string): boolean => reason !== 'outcome-unknown';

interface ProposedBytes {
  /** Names the first request proposed with these bytes, for messages. */
  readonly label: string;
  proposals: number;
  refusals: number;
  lastRefusal: string;
  readonly appliedAt: LogIndex[];
}

export class AcknowledgedProposalsChecker {
  private readonly proposed = new Map<string, ProposedBytes>();
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

  /** One proposal of `data` (a first attempt or a retry); `label` names the request. */
  onProposed(label: string, data: Uint8Array): void {
    const identity = bytesIdentity(data);
    const known = this.proposed.get(identity);
    if (known === undefined) {
      this.proposed.set(identity, { label, proposals: 1, refusals: 0, lastRefusal: '', appliedAt: [] });
    } else {
      known.proposals += 1;
    }
  }

  onResult(label: string, data: Uint8Array, node: NodeId, result: ProposalResult<KvApplyResult>): void {
    if (!result.ok) {
      if (!definiteRefusal(result.reason)) return;
      const known = this.proposed.get(bytesIdentity(data));
      if (known === undefined) return;
      known.refusals += 1;
      known.lastRefusal = `${node} refused ${label} (${result.reason})`;
      this.checkCount(known);
      return;
    }
    this.acknowledgedCount += 1;
    this.highestAcknowledged = Math.max(this.highestAcknowledged, result.index);
    const where = `${node} acknowledged ${label} at index ${result.index} term ${result.term}`;
    const applied = this.history.entryAt(result.index);
    const identity = entryIdentity({ index: result.index, term: result.term, kind: 'command', data });
    if (applied === undefined) {
      this.violations.report('acknowledged-proposals', `${where}, but no node has applied that index`);
    } else if (applied.identity !== identity) {
      this.violations.report(
        'acknowledged-proposals',
        `${where}, but index ${result.index} holds another entry of term ${applied.term}`,
      );
    } else if (!sameResult(applied.result, result.result)) {
      this.violations.report(
        'acknowledged-proposals',
        `${where} with result ${resultText(result.result)}, but applying it yields ${resultText(applied.result)}`,
      );
    }
  }

  private onNewEntry(entry: AppliedEntry): void {
    if (entry.command === null) return;
    const identity = entry.identity.slice(entry.identity.indexOf(':command:') + ':command:'.length);
    const known = this.proposed.get(identity);
    if (known === undefined) return;
    known.appliedAt.push(entry.index);
    this.checkCount(known);
  }

  /** Each proposal yields at most one entry, and a definitely refused one none. */
  private checkCount(known: ProposedBytes): void {
    if (known.appliedAt.length <= known.proposals - known.refusals) return;
    const refused =
      known.refusals === 0 ? '' : `, ${known.refusals} definitely refused (${known.lastRefusal})`;
    this.violations.report(
      'acknowledged-proposals',
      `${known.label} applied at indexes ${known.appliedAt.join(', ')}, but proposed ${known.proposals} times${refused}`,
    );
  }
}
