// Seed-drawn cluster alarms in the fault phase, as raftkvd raises them when a member's disk fills:
// now and then the leader is asked to propose the activation of a random member's no-space alarm,
// and after a while its deactivation (or an operator's disarm of every alarm). While one is applied
// the clients' puts, compare-and-swaps and put transactions end 'no-space' on every replica: the
// state machine safety checker compares each result with the reference model, the exactly-once
// checker the answers of retries, and the linearizability check takes them as writes without
// effect. Its own PRNG stream, drawn after every other, so a seed without alarms runs as before.

import { type AlarmOperation, encodeCommand } from '@raftkv/kv';
import type { NodeId, SeededPrng } from '@raftkv/raft';
import type { Cluster } from './cluster.js';
import type { Trace } from './trace.js';

export interface AlarmKnobs {
  /** Whether this seed raises alarms at all (swarm testing: half the seeds do). */
  readonly on: boolean;
  /** Probability per step that an alarm is raised while none is planned to clear. */
  readonly activateRatePerStep: number;
  /** An alarm stays for 1..holdStepsMax steps before its clearing is proposed. */
  readonly holdStepsMax: number;
}

/** Draws the alarm knobs from the alarm stream; `electionSteps` sets the time scale. */
export function drawAlarmKnobs(random: SeededPrng, electionSteps: number): AlarmKnobs {
  const on = random.chance(0.5);
  const activateRatePerStep = 1 / (electionSteps * (4 + random.nextInt(12)));
  const holdStepsMax = electionSteps * (1 + random.nextInt(6));
  return { on, activateRatePerStep, holdStepsMax };
}

export function describeAlarmKnobs(knobs: AlarmKnobs): string {
  if (!knobs.on) return 'alarms=off';
  return `alarms=1/${Math.round(1 / knobs.activateRatePerStep)}steps,hold≤${knobs.holdStepsMax}`;
}

export class AlarmInjector {
  /** Alarm commands proposed (activations and deactivations; the leader may still drop some). */
  commands = 0;
  /** The step at which the planned clearing is proposed; null while none is planned. */
  private clearAt: number | null = null;
  /** The member whose alarm is planned to clear (null: every member's, as an operator's disarm). */
  private clearMember: NodeId | null = null;
  /** After healing no alarm is raised any more; those still applied are disarmed. */
  private healed = false;

  constructor(
    private readonly random: SeededPrng,
    readonly knobs: AlarmKnobs,
    private readonly cluster: Cluster,
    private readonly trace: Trace,
    private readonly now: () => number,
  ) {}

  /** One step: in the fault phase raises and clears alarms, after healing only clears them. */
  runStep(): void {
    if (!this.knobs.on) return;
    const leader = this.cluster.leader();
    if (leader?.actor == null) return;
    const step = this.now();
    if (this.clearAt !== null) {
      if (step < this.clearAt) return;
      this.propose(leader.id, {
        type: 'alarm',
        action: 'deactivate',
        alarm: 'no-space',
        member: this.clearMember,
      });
      this.clearAt = null;
      return;
    }
    // An alarm still applied on the leader (a clearing the leader dropped, an activation that
    // committed late) is planned to clear like a new one.
    const applied = leader.machine.alarms();
    if (applied.length > 0) {
      this.plan(this.random.chance(0.5) ? (applied[0]!.member as NodeId) : null);
      return;
    }
    if (this.healed || !this.random.chance(this.knobs.activateRatePerStep)) return;
    const members = leader.actor.status().configuration.members;
    const member = members[this.random.nextInt(members.length)];
    if (member === undefined) return;
    this.propose(leader.id, {
      type: 'alarm',
      action: 'activate',
      alarm: 'no-space',
      member: member.id,
      reason: this.random.chance(0.5) ? 'disk-full' : 'map-full',
      since: `step-${step}`,
    });
    this.plan(this.random.chance(0.7) ? member.id : null);
  }

  /** Healing: no alarm is raised any more; each one still applied is cleared soon after. */
  heal(): void {
    this.healed = true;
    if (this.clearAt !== null) this.clearAt = Math.min(this.clearAt, this.now() + 1);
  }

  private plan(member: NodeId | null): void {
    // After healing, soon, but not every step while the last clearing is still being committed.
    const holdSteps = this.healed
      ? Math.max(1, Math.floor(this.knobs.holdStepsMax / 4))
      : 1 + this.random.nextInt(this.knobs.holdStepsMax);
    this.clearAt = this.now() + holdSteps;
    this.clearMember = member;
  }

  private propose(leader: NodeId, operation: AlarmOperation): void {
    this.commands += 1;
    const what = `${operation.action} the no-space alarm of ${operation.member ?? 'every member'}`;
    if (this.trace.on) this.trace.record(this.now(), `alarm: ask ${leader} to ${what}`);
    this.cluster.node(leader)?.actor?.deliver({
      type: 'propose',
      data: encodeCommand({ operation }),
      onResult: (result) => {
        if (this.trace.on)
          this.trace.record(
            this.now(),
            `alarm: ${what} on ${leader}: ${result.ok ? `applied at ${result.index}` : result.reason}`,
          );
      },
    });
  }
}
