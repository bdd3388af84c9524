// Durability of votes (paper fig. 2, §5.2): a node never grants its vote to two candidates in one
// term, even across crashes — checked on the RequestVoteResponse messages it actually sends
// (pre-votes excluded: they promise nothing, thesis §9.6). Only observes.
import type { Message, NodeId } from '@raftkv/raft';
import type { Violations } from './violations.js';

export class VoteDurabilityChecker {
  private readonly votes = new Map<string, NodeId>();

  constructor(private readonly violations: Violations) {}

  /** The candidate `voter` granted its vote of `term` to, as seen on the wire, if any. */
  grantedTo(voter: NodeId, term: number): NodeId | undefined {
    return this.votes.get(`${voter}@${term}`);
  }

  onMessageSent(message: Message): void {
    if (message.type !== 'RequestVoteResponse' || !message.voteGranted || message.preVote) return;
    const key = `${message.from}@${message.term}`;
    const earlier = this.votes.get(key);
    if (earlier === undefined) {
      this.votes.set(key, message.to);
    } else if (earlier !== message.to) {
      this.violations.report(
        'vote-durability',
        `${message.from} granted its term-${message.term} vote to both ${earlier} and ${message.to}`,
      );
    }
  }
}
