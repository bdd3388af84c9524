// Keeps asking the cluster to add this node (as a learner, thesis §4.2.1) until the node's own log
// shows it in the configuration. Each attempt is idempotent on the cluster side; between attempts it
// waits, so a cluster without a leader is not hammered. Timers only; no Raft state of its own.
import type { NodeId } from '@raftkv/raft';
import { type JoinRequest, requestJoin } from './cluster-join.js';
import type { Logger } from './logger.js';
import type { MemberAddress } from './member-address.js';

/** Pause after a failed attempt. */
export const joinRetryMs = 1000;
/** After a successful attempt, how long to wait for the configuration to arrive before asking again. */
export const joinConfirmMs = 10_000;
/** How often to look whether the configuration arrived. */
const membershipPollMs = 100;

export interface JoinLoopOptions extends JoinRequest {
  readonly isMember: () => boolean;
  readonly onMembersLearned: (members: ReadonlyMap<NodeId, MemberAddress>) => void;
  /**
   * Whether this node's log held no configuration when it started. Such a node was never added by
   * anyone; if the cluster lists its id as a voter, that voter is an earlier life of the id, whose
   * vote and log this node does not have.
   */
  readonly startedEmpty: boolean;
  /** The cluster still counts this id as a voter: the node must stop (it calls no further attempt). */
  readonly onStaleVoter: (message: string) => void;
  readonly logger: Logger;
}

export class JoinLoop {
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: JoinLoopOptions) {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    const { id, via, logger } = this.options;
    while (!this.stopped && !this.options.isMember()) {
      logger.info({ via }, `${id} asking ${via} to join the cluster`);
      const attempt = await requestJoin(this.options);
      if (this.stopped) return;
      if (!attempt.ok && attempt.alreadyVoter === true && this.options.startedEmpty) {
        // Stop rather than keep asking: the leader reaches a voter at its address whether or not it
        // joined, and this node would take part as that voter with none of its promises (thesis §3.8,
        // §4.1). A node this loop added does not get here: it is promoted only once its log arrived,
        // and then it stops asking.
        this.stopped = true;
        this.options.onStaleVoter(attempt.message);
        return;
      }
      if (!attempt.ok) {
        logger.warn({ via, reason: attempt.message }, `${id} could not join via ${via}: ${attempt.message}`);
        await this.sleep(joinRetryMs);
        continue;
      }
      this.options.onMembersLearned(attempt.members);
      logger.info({ via }, `${id} was accepted as a learner; waiting for the log to arrive`);
      await this.waitForMembership(joinConfirmMs);
    }
    if (!this.stopped) logger.info(`${id} is a member of the cluster`);
  }

  private async waitForMembership(timeoutMs: number): Promise<void> {
    for (
      let waited = 0;
      waited < timeoutMs && !this.stopped && !this.options.isMember();
      waited += membershipPollMs
    ) {
      await this.sleep(membershipPollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timer = setTimeout(resolve, ms);
    });
  }
}
