// One simulated machine: a durable disk and state machine that survive crashes, and at most one
// running incarnation of the production RaftActor, which a crash discards with all volatile state.
import type { NodeId, RaftActor } from '@raftkv/raft';
import type { RegisterQuery, RegisterResult } from './register-commands.js';
import type { RegisterMachine } from './register-machine.js';
import type { SimulatedDisk } from './simulated-disk.js';

export type SimActor = RaftActor<RegisterQuery, RegisterResult>;

export class SimNode {
  actor: SimActor | null = null;
  incarnation = 0;
  /** While down: the step at which the node restarts. */
  restartAtStep = 0;
  /** While paused (running, but taking no ticks, turns or messages): the step at which it resumes; else null. */
  pausedUntilStep: number | null = null;
  /** Removed from the cluster for good: never restarted. */
  retired = false;
  /** Role and term from the actor's latest soft state (null while down). */
  role: 'follower' | 'preCandidate' | 'candidate' | 'leader' | null = null;
  term = 0;

  constructor(
    readonly id: NodeId,
    readonly disk: SimulatedDisk,
    readonly machine: RegisterMachine,
  ) {}

  get isUp(): boolean {
    return this.actor !== null;
  }
}
