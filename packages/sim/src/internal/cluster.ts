// The simulated cluster: creates machines (bootstrapped initial members and empty joiners), starts,
// crashes, restarts and retires their actors, routes ticks, messages and client events into them
// and runs their turns. A SimulatedCrash from inside a turn crashes that node; any other exception
// (an AssertionError above all) is a violation, never swallowed.
import {
  AssertionError,
  bootstrapState,
  type Configuration,
  defaultRaftConfig,
  MemoryLogStorage,
  type Message,
  type NodeId,
  nodeId,
  RaftActor,
  type RaftActorObserver,
  type RaftConfig,
  SeededPrng,
  type Transport,
} from '@raftkv/raft';
import type { SafetyCheckers } from './checkers/safety-checkers.js';
import type { SimulatedClock } from './clock.js';
import type { FaultInjector } from './fault-injector.js';
import type { SimulationKnobs } from './knobs.js';
import type { DeliveryGate, SimulatedNetwork } from './network.js';
import type { PartitionSchedule } from './partitions.js';
import { RegisterMachine, type RegisterMachineObserver } from './register-machine.js';
import { type SimActor, SimNode } from './sim-node.js';
import { SimulatedCrash } from './simulated-crash.js';
import { SimulatedDisk } from './simulated-disk.js';
import { describeMessage, type Trace } from './trace.js';

export interface ClusterCounters {
  crashes: number;
  crashesInPersist: number;
  crashesInApply: number;
  pauses: number;
  restarts: number;
  elections: number;
  snapshotsInstalled: number;
  ticks: number;
  /** Messages delivered when their sender's current term was already above the message's term. */
  deliveredAfterTermChange: number;
}

export interface ClusterEnvironment {
  readonly knobs: SimulationKnobs;
  readonly network: SimulatedNetwork;
  readonly partitions: PartitionSchedule;
  readonly clock: SimulatedClock;
  readonly faults: FaultInjector;
  readonly checkers: SafetyCheckers;
  readonly trace: Trace;
  /** Draws one seed per actor incarnation, for its election-timeout PRNG. */
  readonly actorSeeds: SeededPrng;
}

export const memberAddress = (id: NodeId): string => `sim://${id}`;

export class Cluster implements DeliveryGate {
  readonly counters: ClusterCounters = {
    crashes: 0,
    crashesInPersist: 0,
    crashesInApply: 0,
    pauses: 0,
    restarts: 0,
    elections: 0,
    snapshotsInstalled: 0,
    ticks: 0,
    deliveredAfterTermChange: 0,
  };
  private readonly nodes: SimNode[] = [];
  private readonly byId = new Map<NodeId, SimNode>();
  private readonly newLeaders: Array<{ readonly node: SimNode; readonly term: number }> = [];
  private step = 0;

  constructor(private readonly environment: ClusterEnvironment) {}

  get all(): readonly SimNode[] {
    return this.nodes;
  }

  node(id: NodeId): SimNode | undefined {
    return this.byId.get(id);
  }

  running(): SimNode[] {
    return this.nodes.filter((node) => node.isUp);
  }

  /** Creates and starts the initial voters, each with the same bootstrap state (thesis §3.2 style). */
  bootstrap(count: number): void {
    const ids = Array.from({ length: count }, (_, i) => nodeId(`n${i + 1}`));
    const configuration: Configuration = {
      members: ids.map((id) => ({ id, role: 'voter' as const, address: memberAddress(id) })),
    };
    for (const id of ids) this.create(id, new MemoryLogStorage(bootstrapState(configuration)));
  }

  /** Creates and starts a machine with an empty disk, waiting to be added as a learner. */
  addJoiner(id: NodeId): SimNode {
    return this.create(id, new MemoryLogStorage());
  }

  /** The highest-term node that believes it leads, or null. */
  leader(): SimNode | null {
    let best: SimNode | null = null;
    for (const node of this.nodes) {
      if (node.role === 'leader' && (best === null || node.term > best.term)) best = node;
    }
    return best;
  }

  setStep(step: number): void {
    this.step = step;
  }

  isCut(from: NodeId, to: NodeId, step: number): boolean {
    return this.environment.partitions.isCut(from, to, step);
  }

  deliver(message: Message): boolean {
    const node = this.byId.get(message.to);
    const actor = node?.actor;
    if (actor === undefined || actor === null || node?.pausedUntilStep !== null) return false;
    const { trace } = this.environment;
    if (trace.on) trace.record(this.step, `deliver ${describeMessage(message)}`);
    const delivered = actor.deliver({ type: 'message', message });
    if (delivered) this.countIfSenderMovedOn(message);
    return delivered;
  }

  /** A message from an earlier term of its sender: the late replies that thesis §3.5's term checks are for. */
  private countIfSenderMovedOn(message: Message): void {
    const sender = this.byId.get(message.from);
    if (sender !== undefined && sender.term > message.term) this.counters.deliveredAfterTermChange += 1;
  }

  deliverTicks(): void {
    for (const node of this.nodes) {
      // A paused node's ticks are lost, not replayed: its clock still consumes them.
      if (node.actor !== null && this.environment.clock.takeTick(node.id, this.step)) {
        if (node.pausedUntilStep !== null) continue;
        node.actor.deliver({ type: 'tick' });
        this.counters.ticks += 1;
      }
    }
  }

  /** One turn for every running node that has work, in creation order. */
  runTurns(): void {
    for (const node of this.nodes) {
      const actor = node.actor;
      if (actor === null || node.pausedUntilStep !== null || !actor.hasWork()) continue;
      try {
        actor.runTurn();
      } catch (error) {
        this.newLeaders.length = 0;
        this.onTurnFailed(node, error);
        continue;
      }
      this.checkNewLeaders();
    }
  }

  /**
   * Crashes and pauses running nodes at the injector's rates, resumes paused nodes and restarts
   * down nodes whose time has come.
   */
  injectCrashesAndRestarts(): void {
    const { faults } = this.environment;
    for (const node of this.nodes) {
      if (node.retired) continue;
      if (node.actor !== null) {
        if (node.pausedUntilStep !== null && node.pausedUntilStep <= this.step) this.resume(node);
        if (faults.decideCrashBetweenTurns()) this.crash(node, 'between turns');
        else if (node.pausedUntilStep === null && faults.decidePause()) this.pause(node);
      } else if (node.restartAtStep <= this.step) {
        this.start(node);
      }
    }
  }

  /** Resumes every paused node and restarts every down node that is not retired (the heal). */
  restartAll(): void {
    for (const node of this.nodes) {
      if (node.pausedUntilStep !== null) this.resume(node);
      if (!node.retired && node.actor === null) this.start(node);
    }
  }

  private pause(node: SimNode): void {
    node.pausedUntilStep = this.step + this.environment.faults.drawPauseSteps();
    this.counters.pauses += 1;
    const { trace } = this.environment;
    if (trace.on) trace.record(this.step, `${node.id} paused until step ${node.pausedUntilStep}`);
  }

  private resume(node: SimNode): void {
    node.pausedUntilStep = null;
    const { trace } = this.environment;
    if (trace.on) trace.record(this.step, `${node.id} resumed`);
  }

  crash(node: SimNode, where: string): void {
    node.actor = null;
    node.pausedUntilStep = null;
    node.role = null;
    node.restartAtStep = this.step + this.environment.faults.drawDownSteps();
    this.counters.crashes += 1;
    const { trace } = this.environment;
    if (trace.on)
      trace.record(this.step, `${node.id} crashed ${where}; restarts at step ${node.restartAtStep}`);
  }

  /** Stops `node` for good (it was removed from the configuration); its disk stays for the checkers. */
  retire(node: SimNode): void {
    node.actor = null;
    node.pausedUntilStep = null;
    node.role = null;
    node.retired = true;
    const { trace } = this.environment;
    if (trace.on) trace.record(this.step, `${node.id} retired`);
  }

  private create(id: NodeId, storage: MemoryLogStorage): SimNode {
    const { faults, clock } = this.environment;
    const disk = new SimulatedDisk(id, storage, () => faults.decidePersistCrash());
    const machine = new RegisterMachine(id, () => faults.decideApplyCrash(), this.machineObserver());
    const node = new SimNode(id, disk, machine);
    this.nodes.push(node);
    this.byId.set(id, node);
    clock.register(id);
    this.start(node);
    return node;
  }

  private start(node: SimNode): void {
    const { knobs, trace, actorSeeds } = this.environment;
    const compaction = {
      thresholdEntries: knobs.raft.compactionThresholdEntries,
      trailingEntries: knobs.raft.compactionTrailingEntries,
    };
    node.incarnation += 1;
    if (node.incarnation > 1) this.counters.restarts += 1;
    try {
      node.actor = RaftActor.start({
        config: this.raftConfig(node.id),
        storage: node.disk,
        stateMachine: node.machine,
        transport: this.transport(node),
        random: new SeededPrng(actorSeeds.nextUint32()),
        compaction,
        observer: this.actorObserver(node),
      });
    } catch (error) {
      this.onTurnFailed(node, error);
      return;
    }
    node.role = 'follower';
    node.term = node.disk.initialState().hardState.term;
    if (trace.on) trace.record(this.step, `${node.id} started (incarnation ${node.incarnation})`);
  }

  private raftConfig(id: NodeId): RaftConfig {
    const { raft } = this.environment.knobs;
    return {
      ...defaultRaftConfig(id),
      electionTimeoutTicks: raft.electionTimeoutTicks,
      heartbeatIntervalTicks: raft.heartbeatIntervalTicks,
      preVote: raft.preVote,
      checkQuorum: raft.checkQuorum,
      maxInflightMessages: raft.maxInflightMessages,
      maxMessageEntriesBytes: raft.maxMessageEntriesBytes,
      maxUncommittedEntriesBytes: raft.maxUncommittedEntriesBytes,
      snapshotChunkBytes: raft.snapshotChunkBytes,
    };
  }

  private transport(node: SimNode): Transport {
    const { network, checkers, trace } = this.environment;
    return {
      send: (messages: readonly Message[]): void => {
        for (const message of messages) {
          checkers.onMessageSent(message);
          if (trace.on) trace.record(this.step, `send ${describeMessage(message)}`);
          network.send(message, this.step);
        }
        if (messages.length > 0 && messages[0]!.from !== node.id) {
          checkers.violations.report('exception', `${node.id} sent a message as ${messages[0]!.from}`);
        }
      },
    };
  }

  private actorObserver(node: SimNode): RaftActorObserver {
    const { checkers, trace } = this.environment;
    return {
      onSoftState: (id, softState) => {
        node.role = softState.role;
        node.term = softState.term;
        if (trace.on) {
          trace.record(
            this.step,
            `${id} is ${softState.role} at term ${softState.term}, leader ${softState.leaderId}`,
          );
        }
        if (softState.role !== 'leader') return;
        this.counters.elections += 1;
        checkers.electionSafety.onLeader(id, softState.term, 'its soft state');
        const voters = node.actor
          ?.status()
          .configuration.members.filter((member) => member.role === 'voter')
          .map((member) => member.id);
        if (voters !== undefined) {
          checkers.electionSafety.checkMajority(id, softState.term, voters, (voter, term) =>
            checkers.voteDurability.grantedTo(voter, term),
          );
        }
        this.newLeaders.push({ node, term: softState.term });
      },
      onPersisted: (_id, ready) => {
        if (ready.hardState !== null) {
          checkers.leaderCompleteness.onCommitIndexKnown(ready.hardState.term, ready.hardState.commitIndex);
        }
      },
    };
  }

  private machineObserver(): RegisterMachineObserver {
    const { checkers, trace } = this.environment;
    return {
      onApplied: (id, previousAppliedIndex, entries, results) => {
        if (trace.on && entries.length > 0) {
          trace.record(
            this.step,
            `${id} applied ${entries[0]!.index}..${entries[entries.length - 1]!.index}`,
          );
        }
        checkers.history.onApplied(id, previousAppliedIndex, entries, results);
      },
      onRestored: (id, metadata, registers) => {
        this.counters.snapshotsInstalled += 1;
        if (trace.on) trace.record(this.step, `${id} restored snapshot ${metadata.index}/${metadata.term}`);
        checkers.history.onRestored(id, metadata, registers);
      },
    };
  }

  /** Leader completeness on the durable log of each node that became leader in the turn just run. */
  private checkNewLeaders(): void {
    for (const { node, term } of this.newLeaders) {
      this.environment.checkers.leaderCompleteness.checkNewLeader(node.id, term, node.disk);
    }
    this.newLeaders.length = 0;
  }

  private onTurnFailed(node: SimNode, error: unknown): void {
    if (error instanceof SimulatedCrash) {
      if (error.where.startsWith('in persist')) this.counters.crashesInPersist += 1;
      if (error.where.startsWith('in apply')) this.counters.crashesInApply += 1;
      this.crash(node, error.where);
      return;
    }
    const { violations } = this.environment.checkers;
    node.actor = null;
    node.role = null;
    node.retired = true;
    if (error instanceof AssertionError) {
      violations.report('assertion', `${node.id} failed an assertion: ${error.message}`);
    } else {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      violations.report('exception', `${node.id} threw ${detail}`);
    }
  }
}

export type { SimActor };
