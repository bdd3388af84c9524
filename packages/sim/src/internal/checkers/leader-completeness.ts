// Leader completeness (paper §5.4, fig. 3): an entry committed in some term is in the log of every
// leader of a later term. Checked twice: on each node that becomes leader, and — stronger, since a
// violation then shows before anyone acts on it — on every node that COULD win an election now: a
// voter of its own latest configuration whose durable log is at least as up-to-date (§5.4.1) as a
// majority of that configuration's voters must hold every committed entry (the §5.4.3 argument).
// Commit knowledge comes from persisted hard states (a node in term T that knows commitIndex C
// proves entries ≤ C were committed in a term ≤ T). Only observes.
import type { LogIndex, LogReader, NodeId, Term } from '@raftkv/raft';
import type { AppliedHistory } from './applied-history.js';
import type { Violations } from './violations.js';

type LogView = Pick<LogReader, 'firstIndex' | 'lastIndex' | 'term'>;

/** A node that may run again (not retired), with its durable log and latest configuration's voters. */
export interface ElectionCandidate {
  readonly id: NodeId;
  readonly log: LogView;
  readonly voters: readonly NodeId[];
}

export class LeaderCompletenessChecker {
  /** For each term, the highest commit index some node knew while in that term. */
  private readonly commitIndexByTerm = new Map<Term, LogIndex>();
  private highestCommitIndex: LogIndex = 0;

  constructor(
    private readonly violations: Violations,
    private readonly history: AppliedHistory,
  ) {}

  onCommitIndexKnown(term: Term, commitIndex: LogIndex): void {
    if ((this.commitIndexByTerm.get(term) ?? 0) < commitIndex) this.commitIndexByTerm.set(term, commitIndex);
    if (commitIndex > this.highestCommitIndex) this.highestCommitIndex = commitIndex;
  }

  /** Checks the durable log of `id`, which just became leader of `term`. */
  checkNewLeader(id: NodeId, term: Term, log: LogView): void {
    let committedBefore = 0;
    for (const [knownTerm, commitIndex] of this.commitIndexByTerm) {
      if (knownTerm < term && commitIndex > committedBefore) committedBefore = commitIndex;
    }
    const missing = this.findMissing(log, committedBefore);
    if (missing !== null) {
      this.violations.report('leader-completeness', `${id} became leader of term ${term} ${missing}`);
    }
  }

  /** Checks every candidate that a majority of its configuration's voters would find up-to-date. */
  checkElectable(candidates: readonly ElectionCandidate[]): void {
    if (this.highestCommitIndex > 0) this.checkElectableNodes(electableNodes(candidates));
  }

  /** As checkElectable, on candidates already found electable by electableNodes. */
  checkElectableNodes(electable: ReturnType<typeof electableNodes>): void {
    if (this.highestCommitIndex === 0) return;
    for (const { candidate, supporters } of electable) {
      const missing = this.findMissing(candidate.log, this.highestCommitIndex);
      if (missing === null) continue;
      this.violations.report(
        'leader-completeness',
        `${candidate.id} could be elected now (its log is as up-to-date as ${supporters.join(',')}) but ${missing}`,
      );
      return;
    }
  }

  /** Describes the first committed entry (≤ committedThrough) that `log` lacks, or null. */
  private findMissing(log: LogView, committedThrough: LogIndex): string | null {
    const lastIndex = log.lastIndex();
    if (lastIndex < committedThrough) {
      return `with a log ending at index ${lastIndex}, though index ${committedThrough} is committed`;
    }
    // Entries below firstIndex were applied by this node, which state machine safety covers.
    for (let index = Math.max(1, log.firstIndex()); index <= committedThrough; index += 1) {
      const committed = this.history.entryAt(index);
      if (committed === undefined) return null;
      const held = log.term(index);
      if (held !== committed.term) {
        return (
          `holding term ${held} at index ${index}, where term ${committed.term} is committed ` +
          `(applied by ${committed.firstAppliedBy})`
        );
      }
    }
    return null;
  }
}

/**
 * The candidates that could win an election now: voters of their own latest configuration whose
 * durable log is at least as up-to-date (§5.4.1) as those of a majority of that configuration's voters.
 */
export function electableNodes(
  candidates: readonly ElectionCandidate[],
): Array<{ readonly candidate: ElectionCandidate; readonly supporters: readonly NodeId[] }> {
  const byId = new Map(candidates.map((candidate) => [candidate.id, candidate]));
  const electable: Array<{ readonly candidate: ElectionCandidate; readonly supporters: readonly NodeId[] }> =
    [];
  for (const candidate of candidates) {
    if (!candidate.voters.includes(candidate.id)) continue;
    const supporters = candidate.voters.filter((voter) => {
      const other = byId.get(voter);
      return other !== undefined && isAtLeastAsUpToDate(candidate.log, other.log);
    });
    if (supporters.length > candidate.voters.length / 2) electable.push({ candidate, supporters });
  }
  return electable;
}

/** §5.4.1: compare last terms, then lengths. */
function isAtLeastAsUpToDate(candidate: LogView, voter: LogView): boolean {
  const candidateLastIndex = candidate.lastIndex();
  const voterLastIndex = voter.lastIndex();
  const candidateLastTerm = candidate.term(candidateLastIndex) ?? 0;
  const voterLastTerm = voter.term(voterLastIndex) ?? 0;
  return (
    candidateLastTerm > voterLastTerm ||
    (candidateLastTerm === voterLastTerm && candidateLastIndex >= voterLastIndex)
  );
}
