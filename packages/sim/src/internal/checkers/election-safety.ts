// Election safety (paper §5.2, fig. 3): at most one leader per term. Remembers every (term, leader)
// ever seen — from role changes and from leader-only messages (AppendEntries, InstallSnapshot,
// TimeoutNow). Only observes; never changes the run.
import type { Message, NodeId, Term } from '@raftkv/raft';
import type { Violations } from './violations.js';

export class ElectionSafetyChecker {
  private readonly leaders = new Map<Term, NodeId>();

  constructor(private readonly violations: Violations) {}

  /** Distinct terms that had a leader. */
  get leaderTerms(): number {
    return this.leaders.size;
  }

  onLeader(id: NodeId, term: Term, evidence: string): void {
    const known = this.leaders.get(term);
    if (known === undefined) {
      this.leaders.set(term, id);
    } else if (known !== id) {
      this.violations.report(
        'election-safety',
        `two leaders in term ${term}: ${known} and ${id} (${id} seen by ${evidence})`,
      );
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
