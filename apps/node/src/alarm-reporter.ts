// Records this member's no-space alarm in the cluster's replicated state, and clears it again, through
// the client protocol: a member whose own storage refuses writes cannot append the command itself, so
// it asks the members it knows (the client follows not-leader answers to the leader), retrying with
// backoff until the cluster has applied the change or the change is no longer wanted.
import { setTimeout as sleep } from 'node:timers/promises';
import { KvClient, type MemberAlarm } from '@raftkv/client';
import type { NodeId } from '@raftkv/raft';
import type { Logger } from './logger.js';
import type { NoSpaceAlarm } from './no-space-alarm.js';

/** Backoff between attempts: doubles from the first to the last, and stays there. */
export const alarmReportBackoffFirstMs = 250;
export const alarmReportBackoffMaxMs = 5000;

export interface AlarmReporterOptions {
  readonly id: NodeId;
  /** Client addresses to ask now; re-read before every attempt (the configuration may change). */
  readonly endpoints: () => readonly string[];
  /** How long one attempt may take, redirects and retries included. */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

type Change = 'activate' | 'deactivate';

export class AlarmReporter {
  private running: { readonly change: Change; readonly abort: AbortController } | null = null;
  private client: KvClient | null = null;

  constructor(private readonly options: AlarmReporterOptions) {}

  /** The change being retried now, if any. */
  get pending(): Change | null {
    return this.running?.change ?? null;
  }

  /** Asks the cluster to record `alarm` for this member, until an applied answer lists it. */
  activate(alarm: NoSpaceAlarm): void {
    const { id } = this.options;
    this.start(
      'activate',
      (client) => client.alarmActivate(id, alarm.reason, alarm.since, { timeoutMs: this.options.timeoutMs }),
      (alarms) => alarms.some((active) => active.member === id),
    );
  }

  /** Asks the cluster to clear this member's alarm (its storage takes writes again); no-op if under way. */
  deactivate(): void {
    if (this.running?.change === 'deactivate') return;
    const { id } = this.options;
    this.start(
      'deactivate',
      (client) => client.alarmDeactivate(id, { timeoutMs: this.options.timeoutMs }),
      (alarms) => !alarms.some((active) => active.member === id),
    );
  }

  /** Stops retrying; a request in flight is abandoned (the alarm command is idempotent either way). */
  stop(): void {
    this.running?.abort.abort();
    this.running = null;
    this.client?.close();
    this.client = null;
  }

  private start(
    change: Change,
    send: (client: KvClient) => Promise<readonly MemberAlarm[]>,
    done: (alarms: readonly MemberAlarm[]) => boolean,
  ): void {
    this.stop();
    const abort = new AbortController();
    const running = { change, abort };
    this.running = running;
    void this.retry(running, send, done);
  }

  private async retry(
    running: { readonly change: Change; readonly abort: AbortController },
    send: (client: KvClient) => Promise<readonly MemberAlarm[]>,
    done: (alarms: readonly MemberAlarm[]) => boolean,
  ): Promise<void> {
    const { id, logger } = this.options;
    const { change, abort } = running;
    let backoffMs = alarmReportBackoffFirstMs;
    for (let attempt = 1; !abort.signal.aborted; attempt += 1) {
      const endpoints = this.options.endpoints();
      let detail = 'no other member with a client address is known';
      if (endpoints.length > 0) {
        const client = new KvClient({ endpoints, timeoutMs: this.options.timeoutMs });
        this.client = client;
        try {
          const alarms = await send(client);
          if (abort.signal.aborted) return;
          if (done(alarms)) {
            logger.info(
              { change, attempt, alarms },
              `${id} ${change === 'activate' ? 'recorded its no-space alarm in' : 'cleared its no-space alarm from'} the cluster`,
            );
            if (this.running === running) this.running = null;
            return;
          }
          detail = `the cluster answered with alarms of ${alarms.map((alarm) => alarm.member).join(', ') || 'no member'}`;
        } catch (error) {
          detail = (error as Error).message;
        } finally {
          client.close();
          if (this.client === client) this.client = null;
        }
      }
      if (abort.signal.aborted) return;
      logger.warn(
        { change, attempt, detail, retryInMs: backoffMs },
        `${id} could not ${change} its no-space alarm in the cluster yet (${detail}); retrying in ${backoffMs} ms`,
      );
      try {
        await sleep(backoffMs, undefined, { signal: abort.signal });
      } catch {
        return; // stopped while waiting
      }
      backoffMs = Math.min(backoffMs * 2, alarmReportBackoffMaxMs);
    }
  }
}
