// All safety checkers of one run, wired to one Violations list and one applied history, with the
// adapters the simulation hands to actors, state machines and transports. Only observes.
import type { Message } from '@raftkv/raft';
import { AcknowledgedProposalsChecker } from './acknowledged-proposals.js';
import { AppliedHistory } from './applied-history.js';
import { ElectionSafetyChecker } from './election-safety.js';
import { ExactlyOnceChecker } from './exactly-once.js';
import { LeaderCompletenessChecker } from './leader-completeness.js';
import { LinearizableReadsChecker } from './linearizable-reads.js';
import { LogMatchingChecker } from './log-matching.js';
import { Violations } from './violations.js';
import { VoteDurabilityChecker } from './vote-durability.js';

export class SafetyCheckers {
  readonly violations = new Violations();
  readonly history = new AppliedHistory(this.violations);
  readonly electionSafety = new ElectionSafetyChecker(this.violations);
  readonly voteDurability = new VoteDurabilityChecker(this.violations);
  readonly logMatching = new LogMatchingChecker(this.violations);
  readonly leaderCompleteness = new LeaderCompletenessChecker(this.violations, this.history);
  readonly proposals = new AcknowledgedProposalsChecker(this.violations, this.history);
  readonly reads = new LinearizableReadsChecker(
    this.violations,
    this.history,
    () => this.electionSafety.highestLeaderTerm,
  );
  readonly exactlyOnce = new ExactlyOnceChecker(this.violations, this.history);

  onMessageSent(message: Message): void {
    this.electionSafety.onMessageSent(message);
    this.voteDurability.onMessageSent(message);
  }
}
