// The liveness phase: after every fault is healed, a leader must be elected and a new proposal must
// commit and be applied on every member of the configuration (with every earlier acknowledged
// proposal) within a bounded number of steps; otherwise it reports a liveness violation. A member
// whose write-ahead log refused to open (a bit flip, detected) is down for good and left out.
import { encodeCommand } from '@raftkv/kv';
import type { LogIndex, NodeId } from '@raftkv/raft';
import type { SafetyCheckers } from './checkers/safety-checkers.js';
import type { Cluster } from './cluster.js';
import { utf8 } from './kv-text.js';
import type { Trace } from './trace.js';

interface Probe {
  readonly value: string;
  readonly issuedAtStep: number;
}

export class LivenessProbe {
  private startStep = 0;
  private probe: Probe | null = null;
  private acknowledged: { readonly index: LogIndex; readonly by: NodeId } | null = null;
  private probes = 0;
  private finishedAtStep: number | null = null;

  constructor(
    private readonly cluster: Cluster,
    private readonly checkers: SafetyCheckers,
    private readonly trace: Trace,
    private readonly budgetSteps: number,
    /** A probe unanswered for this long is presumed lost and proposed again. */
    private readonly retrySteps: number,
  ) {}

  /** Steps from healing until every member applied the probe; null while unfinished. */
  get stepsToRecover(): number | null {
    return this.finishedAtStep === null ? null : this.finishedAtStep - this.startStep;
  }

  begin(step: number): void {
    this.startStep = step;
  }

  /** Advances the probe; returns true once it succeeded. Reports a violation when the budget runs out. */
  runStep(step: number): boolean {
    if (this.acknowledged === null) {
      this.maybePropose(step);
    } else if (this.laggingMembers().length === 0) {
      this.finishedAtStep = step;
      if (this.trace.on) this.trace.record(step, `liveness: every member applied ${this.targetIndex()}`);
      return true;
    }
    if (step - this.startStep >= this.budgetSteps) this.reportTimeout();
    return false;
  }

  private maybePropose(step: number): void {
    if (this.probe !== null && step - this.probe.issuedAtStep < this.retrySteps) return;
    const leader = this.cluster.leader();
    if (leader?.actor == null) return;
    this.probes += 1;
    const value = `live${this.probes}`;
    const data = encodeCommand({ operation: { type: 'put', key: utf8('liveness'), value: utf8(value) } });
    this.probe = { value, issuedAtStep: step };
    this.checkers.proposals.onProposed(value, data);
    if (this.trace.on) this.trace.record(step, `liveness: propose ${value} to ${leader.id}`);
    leader.actor.deliver({
      type: 'propose',
      data,
      onResult: (result) => {
        this.checkers.proposals.onResult(value, data, leader.id, result);
        if (this.probe?.value === value) this.probe = null;
        if (!result.ok) return;
        this.acknowledged = { index: result.index, by: leader.id };
        this.checkers.reads.onCompleted(result.index);
      },
    });
  }

  /** The probe's index, or a later acknowledged proposal's. */
  private targetIndex(): LogIndex {
    return Math.max(this.acknowledged?.index ?? 0, this.checkers.proposals.highestAcknowledgedIndex);
  }

  /**
   * Members of the leader's configuration that have not applied the target index (or are not
   * running), but for one whose log refused to open: it stays down until an operator rebuilds it.
   */
  private laggingMembers(): string[] {
    const leader = this.cluster.leader();
    if (leader?.actor == null) return ['(no leader)'];
    const target = this.targetIndex();
    const lagging: string[] = [];
    for (const member of leader.actor.status().configuration.members) {
      const node = this.cluster.node(member.id);
      if (node?.refusedToStart) continue;
      const applied = node?.machine.appliedIndex() ?? 0;
      if (node === undefined || !node.isUp || applied < target) {
        lagging.push(`${member.id} (${node?.isUp ? `applied ${applied}` : 'not running'})`);
      }
    }
    return lagging;
  }

  private reportTimeout(): void {
    const leader = this.cluster.leader();
    const budget = `within ${this.budgetSteps} steps of healing`;
    let message: string;
    if (leader === null) {
      message = `no leader ${budget}`;
    } else if (this.acknowledged === null) {
      message = `leader ${leader.id} (term ${leader.term}) did not commit a new proposal ${budget} (${this.probes} tried)`;
    } else {
      message =
        `index ${this.targetIndex()} (acknowledged by ${this.acknowledged.by}) not applied ${budget} on: ` +
        this.laggingMembers().join(', ');
    }
    this.checkers.violations.report('liveness', message);
  }
}
