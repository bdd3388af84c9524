// Watches who leads during a chaos run by polling every responsive node's /status, and records each
// change (for the timeline and the report). Observes only; never acts on the cluster.
import { pause } from '@raftkv/testkit';
import type { ChaosCluster } from './chaos-cluster.js';

export interface LeaderChange {
  readonly at: number;
  /** Null: no responsive node claimed leadership. */
  readonly leaderId: string | null;
  readonly term: number;
}

export class LeaderObserver {
  readonly changes: LeaderChange[] = [];
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly now: () => number,
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const leader = await this.cluster.currentLeader().catch(() => null);
      const last = this.changes.at(-1);
      const leaderId = leader?.id ?? null;
      if (
        last === undefined ||
        last.leaderId !== leaderId ||
        (leader !== null && last.term !== leader.term)
      ) {
        this.changes.push({ at: this.now(), leaderId, term: leader?.term ?? last?.term ?? 0 });
      }
      await pause(this.intervalMs);
    }
  }
}
