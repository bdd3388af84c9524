// Records this member's no-space alarm in the cluster's replicated state, and clears it again, through
// the client protocol: a member whose own storage refuses writes cannot append the command itself, so
// it asks the members it knows (the client follows not-leader answers to the leader), retrying with
// backoff until the cluster has applied the change or the change is no longer wanted.
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClientSecurity, KvClient, type MemberAlarm } from '@raftkv/client';
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
  /** On a secure node: its own key pair and the members' client keys (re-read every attempt). */
  readonly security: () => ClientSecurity | null;
  readonly logger: Logger;
}

type Change = 'activate' | 'deactivate';
/** What an applied answer means, when it ends the retries; null asks again. */
type Completion = { readonly level: 'info' | 'warn'; readonly message: string };

export class AlarmReporter {
  private running: { readonly change: Change; readonly abort: AbortController } | null = null;
  private client: KvClient | null = null;
  /** When a deactivation last completed (Date.now()): members apply it a little after the leader. */
  private deactivatedAt: number | null = null;

  constructor(private readonly options: AlarmReporterOptions) {}

  /** The change being retried now, if any. */
  get pending(): Change | null {
    return this.running?.change ?? null;
  }

  /**
   * Asks the cluster to record `alarm` for this member, until the command is applied. An applied
   * answer that does not list it means the leader's configuration no longer holds this member (the
   * state machine ignores such an activation): retrying could not change that, so it stops.
   */
  activate(alarm: NoSpaceAlarm): void {
    const { id } = this.options;
    this.deactivatedAt = null; // a new alarm: its clearing must not wait for an old one's
    this.start(
      'activate',
      (client) => client.alarmActivate(id, alarm.reason, alarm.since, { timeoutMs: this.options.timeoutMs }),
      (alarms) =>
        alarms.some((active) => active.member === id)
          ? { level: 'info', message: `${id} recorded its no-space alarm in the cluster` }
          : {
              level: 'warn',
              message: `${id} is not a member of the cluster's configuration: the cluster did not record its no-space alarm`,
            },
    );
  }

  /**
   * Asks the cluster to clear this member's alarm (its storage takes writes again). Returns false,
   * doing nothing, while a deactivation is under way or completed less than alarmReportBackoffMaxMs
   * ago: this member's own applied state shows the alarm until it applies the deactivation too.
   */
  deactivate(): boolean {
    if (this.running?.change === 'deactivate') return false;
    if (this.deactivatedAt !== null && Date.now() - this.deactivatedAt < alarmReportBackoffMaxMs)
      return false;
    const { id } = this.options;
    this.start(
      'deactivate',
      (client) => client.alarmDeactivate(id, { timeoutMs: this.options.timeoutMs }),
      (alarms) =>
        alarms.some((active) => active.member === id)
          ? null
          : { level: 'info', message: `${id} cleared its no-space alarm from the cluster` },
    );
    return true;
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
    done: (alarms: readonly MemberAlarm[]) => Completion | null,
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
    done: (alarms: readonly MemberAlarm[]) => Completion | null,
  ): Promise<void> {
    const { id, logger } = this.options;
    const { change, abort } = running;
    let backoffMs = alarmReportBackoffFirstMs;
    for (let attempt = 1; !abort.signal.aborted; attempt += 1) {
      const endpoints = this.options.endpoints();
      let detail = 'no other member with a client address is known';
      if (endpoints.length > 0) {
        const security = this.options.security();
        const client = new KvClient({
          endpoints,
          timeoutMs: this.options.timeoutMs,
          ...(security === null ? {} : { security }),
        });
        this.client = client;
        try {
          const alarms = await send(client);
          if (abort.signal.aborted) return;
          const completion = done(alarms);
          if (completion !== null) {
            logger[completion.level]({ change, attempt, alarms }, completion.message);
            if (this.running === running) this.running = null;
            if (change === 'deactivate') this.deactivatedAt = Date.now();
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
