// Keeps asking the cluster to add this node (as a learner, thesis §4.2.1) until the node's own log
// shows it in the configuration. Each attempt is idempotent on the cluster side; between attempts it
// waits, so a cluster without a leader is not hammered. It stops the node instead when the cluster
// already counts an earlier life of its id (see staleMemberMessage). Timers only; no Raft state.
import type { NodeId } from '@raftkv/raft';
import { type JoinAttempt, type JoinRequest, requestJoin, staleLearnerRefusal } from './cluster-join.js';
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
   * Whether this node's log held no configuration when it started: no leader ever counted anything
   * it stores, so a voter under its id is an earlier life of the id, with a vote and a log it lacks.
   */
  readonly startedEmpty: boolean;
  /** Whether the data directory is new: nothing before this process can have asked to add it. */
  readonly firstStart: boolean;
  /** The cluster counts an earlier life of this id: the node must stop (no further attempt follows). */
  readonly onStaleMember: (message: string) => void;
  readonly logger: Logger;
}

export class JoinLoop {
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  /** An earlier attempt of this process was accepted, or got no answer (it may have been applied). */
  private mayHaveBeenAdded = false;

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
      const stale = this.staleMemberMessage(attempt);
      if (stale !== null) {
        this.stopped = true;
        this.options.onStaleMember(stale);
        return;
      }
      if (attempt.ok || attempt.outcomeUnknown === true) this.mayHaveBeenAdded = true;
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

  /**
   * Stop rather than keep asking when the cluster counts an earlier life of this id (thesis §3.8,
   * §4.1). A voter: the leader reaches it at its address whether or not it joined, and this node
   * would vote and acknowledge as that voter with none of its promises; a node this loop added does
   * not get here, as it is promoted only once its log arrived, and then it stops asking. A learner
   * already there on the first start of the directory, before any attempt that may have added it:
   * the leader keeps the old learner's match index and would promote this node on entries it lacks.
   */
  private staleMemberMessage(attempt: JoinAttempt): string | null {
    const { startedEmpty, firstStart, id } = this.options;
    if (!attempt.ok) return attempt.alreadyVoter === true && startedEmpty ? attempt.message : null;
    return attempt.alreadyMember && firstStart && !this.mayHaveBeenAdded ? staleLearnerRefusal(id) : null;
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
