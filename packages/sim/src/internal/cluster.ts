// The simulated cluster: creates machines (bootstrapped initial members and empty joiners), starts,
// crashes, powers down, restarts and retires their actors, routes ticks, messages and client events
// into them and runs their turns. A SimulatedCrash from inside a turn crashes that node (or cuts its
// power); any other exception (an AssertionError above all) is a violation, never swallowed. Each
// machine's Raft log is the production write-ahead log on its own simulated file system; its KV
// store loses the writes since its last checkpoint in every crash and power loss.
import {
  AssertionError,
  type BootstrapState,
  bootstrapState,
  type Configuration,
  defaultRaftConfig,
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
import { type KvMachineObserver, SimulatedKvMachine } from './kv-machine.js';
import type { DeliveryGate, SimulatedNetwork } from './network.js';
import type { PartitionSchedule } from './partitions.js';
import { type SimActor, SimNode } from './sim-node.js';
import { SimulatedCrash } from './simulated-crash.js';
import { SimulatedDisk } from './simulated-disk.js';
import { SimulatedKvStore } from './simulated-kv-store.js';
import { describeMessage, type Trace } from './trace.js';

export interface ClusterCounters {
  crashes: number;
  crashesInPersist: number;
  crashesInApply: number;
  /** Power losses of one machine (between turns or cut into a sync). */
  powerLosses: number;
  wholeClusterPowerLosses: number;
  /** Unsynced writes a power loss kept only a prefix of. */
  tornWrites: number;
  /** Unsynced writes (and truncations) a power loss dropped entirely. */
  writesLostToPowerLoss: number;
  bitFlips: number;
  /** Restarts the write-ahead log refused with StorageCorruptionError (that node stays down). */
  corruptionsRefused: number;
  pauses: number;
  restarts: number;
  /** Crashes that lost applied KV writes not yet made durable (the log re-applies them). */
  crashesLosingKvWrites: number;
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
    powerLosses: 0,
    wholeClusterPowerLosses: 0,
    tornWrites: 0,
    writesLostToPowerLoss: 0,
    bitFlips: 0,
    corruptionsRefused: 0,
    pauses: 0,
    restarts: 0,
    crashesLosingKvWrites: 0,
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

  /**
   * Creates and starts the initial voters, each persisting the same bootstrap state into a fresh
   * write-ahead log, as raftkvd does (thesis §3.2 style).
   */
  bootstrap(count: number): void {
    const ids = Array.from({ length: count }, (_, i) => nodeId(`n${i + 1}`));
    const configuration: Configuration = {
      members: ids.map((id) => ({ id, role: 'voter' as const, address: memberAddress(id) })),
    };
    for (const id of ids) this.create(id, bootstrapState(configuration));
  }

  /** Creates and starts a machine with an empty disk, waiting to be added as a learner. */
  addJoiner(id: NodeId): SimNode {
    return this.create(id, null);
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
        node.store.onTick();
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
   * Cuts the power of the whole cluster at the injector's (rare) rate; crashes, pauses or cuts the
   * power of running nodes at the injector's rates; resumes paused nodes and restarts down nodes
   * whose time has come.
   */
  injectCrashesAndRestarts(): void {
    const { faults } = this.environment;
    if (faults.decideWholeClusterPowerLoss()) this.wholeClusterPowerLoss();
    for (const node of this.nodes) {
      if (node.retired) continue;
      if (node.actor !== null) {
        if (node.pausedUntilStep !== null && node.pausedUntilStep <= this.step) this.resume(node);
        if (faults.decideCrashBetweenTurns()) this.crash(node, 'between turns');
        else if (faults.decidePowerLossBetweenTurns()) this.powerLoss(node, 'between turns');
        else if (node.pausedUntilStep === null && faults.decidePause()) this.pause(node);
      } else if (node.restartAtStep <= this.step) {
        this.start(node);
      }
    }
  }

  /** Every machine loses power at once: running nodes crash, and every disk keeps only what was synced. */
  wholeClusterPowerLoss(): void {
    this.counters.wholeClusterPowerLosses += 1;
    const { trace } = this.environment;
    if (trace.on) trace.record(this.step, 'whole-cluster power loss');
    for (const node of this.nodes) {
      if (node.retired) continue;
      if (node.actor !== null) this.crash(node, 'in a whole-cluster power loss', true);
      else this.reopenDisk(node, true);
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

  /**
   * Discards the node's actor (and every volatile state) and its KV store's writes since the last
   * checkpoint; with `powerLoss`, its machine also lost power, so its disk keeps only what was
   * synced. The log is re-opened from the disk right away (nothing writes to a stopped machine's
   * disk, so this is what the restart reads), which lets the checkers see the post-crash log while
   * the node is down. The one crash path: every crash and power loss of a running node comes here.
   */
  crash(node: SimNode, where: string, powerLoss = false): void {
    if (node.store.hasPendingWrites) this.counters.crashesLosingKvWrites += 1;
    node.store.crash();
    node.actor = null;
    node.pausedUntilStep = null;
    node.role = null;
    node.restartAtStep = this.step + this.environment.faults.drawDownSteps();
    this.counters.crashes += 1;
    const { trace } = this.environment;
    if (trace.on)
      trace.record(
        this.step,
        `${node.id} ${powerLoss ? 'lost power' : 'crashed'} ${where}; restarts at step ${node.restartAtStep}`,
      );
    this.reopenDisk(node, powerLoss);
  }

  /** One machine loses power: the same crash path, keeping only synced data. */
  powerLoss(node: SimNode, where: string): void {
    this.counters.powerLosses += 1;
    this.crash(node, where, true);
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

  /**
   * After a crash or power loss: the disk drops the write-ahead-log object (and, on power loss,
   * everything unsynced), bit rot may strike, and the log is opened again. A log that refuses to
   * open (StorageCorruptionError) after a bit flip keeps its node down for good, out of the liveness
   * requirement; one that refuses without a flip lost synced data, a durability violation.
   */
  private reopenDisk(node: SimNode, powerLoss: boolean): void {
    const { faults, checkers, trace } = this.environment;
    const { disk } = node;
    if (powerLoss) {
      const report = disk.losePower(faults.storageRandom);
      this.counters.tornWrites += report.tornWrites;
      this.counters.writesLostToPowerLoss += report.writesLost;
    } else {
      disk.crash();
    }
    if (
      this.othersKeepAMajorityWithout(node) &&
      faults.decideBitFlip(node.id) &&
      disk.flipBit(faults.storageRandom)
    ) {
      this.counters.bitFlips += 1;
      if (trace.on) trace.record(this.step, `${node.id}: a bit flipped in its synced log data`);
    }
    let outcome: ReturnType<SimulatedDisk['open']>;
    try {
      outcome = disk.open();
    } catch (error) {
      this.onTurnFailed(node, error);
      return;
    }
    if (outcome.ok) return;
    node.retired = true;
    node.refusedToStart = true;
    if (disk.bitFlips === 0) {
      checkers.violations.report(
        'durability',
        `${node.id} refused to open its write-ahead log after a ${powerLoss ? 'power loss' : 'crash'} that flipped no bit: ${outcome.error.message}`,
      );
      return;
    }
    this.counters.corruptionsRefused += 1;
    if (trace.on) trace.record(this.step, `${node.id} refused to start: ${outcome.error.message}`);
  }

  /**
   * Whether every configuration in any log leaves a majority of voters if `node` stays down for
   * good: it is no voter there, or there are at least 3 voters. Bit rot strikes only such a node,
   * so the rest keep serving (a 2-voter cluster cannot lose a voter, with or without Raft).
   */
  private othersKeepAMajorityWithout(node: SimNode): boolean {
    for (const other of this.nodes) {
      if (other.disk.refused) continue;
      const voters = other.disk.latestConfiguration().members.filter((member) => member.role === 'voter');
      if (voters.length < 3 && voters.some((voter) => voter.id === node.id)) return false;
    }
    return true;
  }

  private create(id: NodeId, bootstrap: BootstrapState | null): SimNode {
    const { faults, clock, knobs } = this.environment;
    const store = new SimulatedKvStore(
      id,
      { everyTicks: knobs.kv.commitEveryTicks, afterBytes: knobs.kv.commitAfterBytes },
      () => faults.decideApplyCrash(),
    );
    const disk = new SimulatedDisk(id, `/${id}/wal`, knobs.storage.walSegmentBytesMin, faults, () =>
      store.checkpoint(),
    );
    disk.open(bootstrap);
    const node = new SimNode(id, disk, store, this.newMachine(id, store));
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
    if (node.incarnation > 1) {
      this.counters.restarts += 1;
      // As raftkvd after a crash: a new KvStateMachine over what the store kept.
      node.machine = this.newMachine(node.id, node.store);
    }
    node.disk.markRunning();
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
      starvationLagTicks: raft.starvationLagTicks,
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

  private newMachine(id: NodeId, store: SimulatedKvStore): SimulatedKvMachine {
    return new SimulatedKvMachine(id, store, this.machineObserver());
  }

  private machineObserver(): KvMachineObserver {
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
      onRestored: (id, metadata, values) => {
        this.counters.snapshotsInstalled += 1;
        if (trace.on) trace.record(this.step, `${id} restored snapshot ${metadata.index}/${metadata.term}`);
        checkers.history.onRestored(id, metadata, values);
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
      if (error.powerLoss) this.powerLoss(node, error.where);
      else this.crash(node, error.where);
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
