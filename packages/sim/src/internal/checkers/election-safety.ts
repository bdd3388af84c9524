// Election safety (paper §5.2, fig. 3): at most one leader per term. Remembers every (term, leader)
// ever seen — from role changes and from leader-only messages (AppendEntries, InstallSnapshot,
// TimeoutNow). Two stronger checks make a violation visible before a second leader appears: every
// leader was granted its term's vote by a majority of its configuration's voters (§5.2: that
// majority is what excludes a second leader), and no two nodes that could be elected now hold
// configurations with disjoint majorities (thesis §4.1). Only observes; never changes the run.
import type { Message, NodeId, Term } from '@raftkv/raft';
import type { ElectionCandidate } from './leader-completeness.js';
import type { Violations } from './violations.js';

export class ElectionSafetyChecker {
  private readonly leaders = new Map<Term, NodeId>();
  private highestTerm: Term = 0;

  constructor(private readonly violations: Violations) {}

  /** The highest term known to have had a leader (0 if none yet). */
  get highestLeaderTerm(): Term {
    return this.highestTerm;
  }

  /** Distinct terms that had a leader. */
  get leaderTerms(): number {
    return this.leaders.size;
  }

  onLeader(id: NodeId, term: Term, evidence: string): void {
    const known = this.leaders.get(term);
    if (known === undefined) {
      this.leaders.set(term, id);
      if (term > this.highestTerm) this.highestTerm = term;
    } else if (known !== id) {
      this.violations.report(
        'election-safety',
        `two leaders in term ${term}: ${known} and ${id} (${id} seen by ${evidence})`,
      );
    }
  }

  /**
   * `id` just became leader of `term` under a configuration with `voters`: it (voting for itself)
   * and the voters that sent it a granted vote of `term` must be a majority of `voters`.
   */
  checkMajority(
    id: NodeId,
    term: Term,
    voters: readonly NodeId[],
    grantedTo: (voter: NodeId, term: Term) => NodeId | undefined,
  ): void {
    const granted = voters.filter((voter) => voter === id || grantedTo(voter, term) === id);
    if (granted.length > voters.length / 2) return;
    this.violations.report(
      'election-safety',
      `${id} became leader of term ${term} with votes from {${granted.join(',')}} only, ` +
        `not a majority of the voters {${voters.join(',')}}`,
    );
  }

  /** Thesis §4.1: any two nodes that could win an election now must need overlapping majorities. */
  checkElectableOverlap(electable: readonly ElectionCandidate[]): void {
    for (let a = 0; a < electable.length; a += 1) {
      for (let b = a + 1; b < electable.length; b += 1) {
        const left = electable[a]!;
        const right = electable[b]!;
        if (!disjointMajoritiesExist(left.voters, right.voters)) continue;
        this.violations.report(
          'election-safety',
          `${left.id} (voters {${left.voters.join(',')}}) and ${right.id} (voters {${right.voters.join(',')}}) ` +
            'could both be elected now, by disjoint majorities',
        );
        return;
      }
    }
  }

  onMessageSent(message: Message): void {
    if (
      message.type === 'AppendEntries' ||
      message.type === 'InstallSnapshot' ||
      message.type === 'TimeoutNow'
    ) {
      this.onLeader(message.from, message.term, `its ${message.type} to ${message.to}`);
    }
  }
}

/** Whether a majority of `left` and a majority of `right` can be disjoint. */
export function disjointMajoritiesExist(left: readonly NodeId[], right: readonly NodeId[]): boolean {
  const rightSet = new Set(right);
  const shared = left.filter((id) => rightSet.has(id)).length;
  // Each side builds its majority from its own members first; only the rest must come from shared ones.
  const leftNeedsShared = Math.max(0, Math.floor(left.length / 2) + 1 - (left.length - shared));
  const rightNeedsShared = Math.max(0, Math.floor(right.length / 2) + 1 - (right.length - shared));
  return leftNeedsShared + rightNeedsShared <= shared;
}
