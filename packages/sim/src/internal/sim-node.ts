// One simulated machine: a durable disk and KV store that survive crashes (the store only up to its
// last checkpoint), and at most one running incarnation of the production RaftActor with its
// KvStateMachine, which a crash discards with all volatile state.
import type { KvApplyResult, KvQuery } from '@raftkv/kv';
import type { NodeId, RaftActor } from '@raftkv/raft';
import type { SimulatedKvMachine } from './kv-machine.js';
import type { SimulatedDisk } from './simulated-disk.js';
import type { SimulatedKvStore } from './simulated-kv-store.js';

export type SimActor = RaftActor<KvQuery, KvApplyResult>;

export class SimNode {
  actor: SimActor | null = null;
  incarnation = 0;
  /** While down: the step at which the node restarts. */
  restartAtStep = 0;
  /** While paused (running, but taking no ticks, turns or messages): the step at which it resumes; else null. */
  pausedUntilStep: number | null = null;
  /** Removed from the cluster for good: never restarted. */
  retired = false;
  /** Its write-ahead log refused to open (corruption after a bit flip): down for good, and retired. */
  refusedToStart = false;
  /** Role and term from the actor's latest soft state (null while down). */
  role: 'follower' | 'preCandidate' | 'candidate' | 'leader' | null = null;
  term = 0;

  /** The state machine of the latest incarnation (a restart builds a new one over `store`). */
  machine: SimulatedKvMachine;

  constructor(
    readonly id: NodeId,
    readonly disk: SimulatedDisk,
    readonly store: SimulatedKvStore,
    machine: SimulatedKvMachine,
  ) {
    this.machine = machine;
  }

  get isUp(): boolean {
    return this.actor !== null;
  }
}
