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
