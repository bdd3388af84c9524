// One deterministic simulation run: the production RaftActor on N simulated machines, a fault phase
// (network faults, partitions, crashes, client workload) and then a liveness phase after healing,
// with every safety checker watching. Everything is drawn from one seed; steps are the only time.
import { assert, SeededPrng } from '@raftkv/raft';
import {
  AlarmInjector,
  type AlarmKnobs,
  describeAlarmKnobs,
  drawAlarmKnobs,
} from './internal/alarm-injector.js';
import { electableNodes } from './internal/checkers/leader-completeness.js';
import { SafetyCheckers } from './internal/checkers/safety-checkers.js';
import type { Violation } from './internal/checkers/violations.js';
import { SimulatedClock } from './internal/clock.js';
import { Cluster } from './internal/cluster.js';
import { FaultInjector } from './internal/fault-injector.js';
import { describeKnobs, drawKnobs, type SimulationKnobs } from './internal/knobs.js';
import { LivenessProbe } from './internal/liveness.js';
import { SimulatedNetwork } from './internal/network.js';
import { PartitionSchedule } from './internal/partitions.js';
import {
  describeThrottleKnobs,
  drawThrottleKnobs,
  type ThrottleKnobs,
  ThrottleSchedule,
} from './internal/throttle.js';
import { Trace, type TraceMode } from './internal/trace.js';
import { Workload } from './internal/workload.js';
import { checkLinearizability, kvModel } from './linearizability/index.js';

export interface SimulationOptions {
  /** 'digest' (default) hashes every event; 'verbose' also writes each one; 'off' is fastest. */
  readonly trace?: TraceMode;
  /** Where verbose trace lines go. */
  readonly writeLine?: (line: string) => void;
  /** Adjusts the drawn knobs (e.g. a fault profile for a test); the PRNG streams stay the same. */
  readonly tuneKnobs?: (drawn: SimulationKnobs) => SimulationKnobs;
  /** Adjusts the drawn throttle knobs (e.g. throttles on for a test); the PRNG streams stay the same. */
  readonly tuneThrottle?: (drawn: ThrottleKnobs) => ThrottleKnobs;
  /** Adjusts the drawn alarm knobs (e.g. alarms on for a test); the PRNG streams stay the same. */
  readonly tuneAlarms?: (drawn: AlarmKnobs) => AlarmKnobs;
}

export interface SimulationStats {
  readonly steps: number;
  readonly ticks: number;
  readonly messages: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly duplicated: number;
  /** Messages (copies) given a long delay (up to several election timeouts). */
  readonly delayedLong: number;
  /** Messages delivered when their sender's current term was already above the message's term. */
  readonly deliveredAfterTermChange: number;
  readonly crashes: number;
  readonly crashesInPersist: number;
  readonly crashesInApply: number;
  /** Power losses of one machine (between turns or cut into a sync). */
  readonly powerLosses: number;
  readonly wholeClusterPowerLosses: number;
  /** Unsynced writes a power loss kept only a prefix of. */
  readonly tornWrites: number;
  /** Unsynced writes a power loss dropped entirely. */
  readonly writesLostToPowerLoss: number;
  readonly bitFlips: number;
  /** Restarts the write-ahead log refused (StorageCorruptionError after a bit flip); that node stays down. */
  readonly corruptionsRefused: number;
  /** Process pauses: a node frozen (no ticks, turns or messages) with its state kept. */
  readonly pauses: number;
  readonly restarts: number;
  /** Crashes that lost applied KV writes the store had not yet made durable (re-applied from the log). */
  readonly crashesLosingKvWrites: number;
  readonly partitions: number;
  /** Throttles of a leader's outbound links (throttle.ts). */
  readonly throttles: number;
  readonly elections: number;
  readonly proposals: number;
  /** Client writes (each may be proposed several times). */
  readonly writes: number;
  /** Proposals of a write again with the same session sequence, after a timeout or a refusal. */
  readonly sessionRetries: number;
  /** Writes whose outcome the client never learned. */
  readonly writesUnknown: number;
  readonly commits: number;
  readonly reads: number;
  readonly readsServed: number;
  /** ... of which a follower served (thesis §6.4.1). */
  readonly followerReadsServed: number;
  readonly membershipChanges: number;
  /** Membership changes asked of a leader while another was in flight (the core must refuse them). */
  readonly concurrentMembershipAttempts: number;
  /** ... of which the leader refused as 'membership-change-in-progress'. */
  readonly concurrentMembershipRefused: number;
  readonly transfers: number;
  /** Cluster alarm activations and deactivations proposed (alarm-injector.ts). */
  readonly alarmCommands: number;
  /** Client writes the state machine refused 'no-space' while an alarm was applied. */
  readonly writesRefusedNoSpace: number;
  readonly snapshotsInstalled: number;
  readonly appliedIndex: number;
  /** Client operations recorded for the linearizability check. */
  readonly historyOperations: number;
  /** 1 when the linearizability check ran out of search budget (nothing proven), else 0. */
  readonly linearizabilityUnknown: number;
  /** Steps from healing until a new proposal was applied on every member (null if it never was). */
  readonly recoverySteps: number | null;
}

export type SimulationFailure = Violation;

export interface RunResult {
  readonly ok: boolean;
  readonly seed: number;
  readonly summary: string;
  readonly failures: readonly SimulationFailure[];
  readonly stats: SimulationStats;
  /** Identifies the full event trace: same seed and same code give the same digest. */
  readonly traceDigest: string;
}

/** Every this many steps the durable logs are compared (log matching). */
const checkpointSteps = 64;

/** PRNG streams of the components below (network, partitions, crashes, storage faults, clock, actors, workload). */
const componentStreams = 7;
/** Search steps for the end-of-run linearizability check, and again for shrinking a counter-example. */
const linearizabilitySearchSteps = 300_000;

export class Simulation {
  readonly knobs: SimulationKnobs;
  readonly summary: string;
  private readonly checkers = new SafetyCheckers();
  private readonly trace: Trace;
  private readonly network: SimulatedNetwork;
  private readonly partitions: PartitionSchedule;
  private readonly throttles: ThrottleSchedule;
  private readonly faults: FaultInjector;
  private readonly cluster: Cluster;
  private readonly workload: Workload;
  private readonly alarms: AlarmInjector;
  private readonly liveness: LivenessProbe;
  private step = 0;
  private linearizabilityUnknown = 0;

  constructor(
    readonly seed: number,
    options: SimulationOptions = {},
  ) {
    const root = new SeededPrng(seed);
    const drawn = drawKnobs(root);
    this.knobs = options.tuneKnobs?.(drawn) ?? drawn;
    // One stream per component, drawn in a fixed order; the throttle's is drawn last so that adding
    // it left every earlier stream of a seed as it was.
    const streams = Array.from({ length: componentStreams + 1 }, () => new SeededPrng(root.nextUint32()));
    const throttleRandom = streams.pop()!;
    // The alarms' stream is drawn after the throttle's, leaving every earlier stream as it was.
    const alarmRandom = new SeededPrng(root.nextUint32());
    const stream = (): SeededPrng => {
      const next = streams.shift();
      if (next === undefined)
        throw new Error(`the simulation draws only ${componentStreams} component streams`);
      return next;
    };
    const { knobs } = this;
    const electionSteps = knobs.raft.electionTimeoutTicks * knobs.stepsPerTick;
    const throttleKnobs = drawThrottleKnobs(throttleRandom, electionSteps, knobs.families.throttle);
    this.throttles = new ThrottleSchedule(
      throttleRandom,
      options.tuneThrottle?.(throttleKnobs) ?? throttleKnobs,
    );
    const drawnAlarmKnobs = drawAlarmKnobs(alarmRandom, electionSteps);
    const alarmKnobs = options.tuneAlarms?.(drawnAlarmKnobs) ?? drawnAlarmKnobs;
    this.summary = `${describeKnobs(seed, this.knobs)} ${describeThrottleKnobs(this.throttles.knobs)} ${describeAlarmKnobs(alarmKnobs)}`;
    this.trace = new Trace(options.trace ?? 'digest', options.writeLine);
    this.network = new SimulatedNetwork(stream(), knobs.network, this.throttles);
    this.partitions = new PartitionSchedule(stream(), knobs.partitions);
    this.faults = new FaultInjector(stream(), knobs.crashes, stream(), knobs.storage);
    const clock = new SimulatedClock(stream(), knobs.stepsPerTick, knobs.tickSkew);
    this.cluster = new Cluster({
      knobs,
      network: this.network,
      partitions: this.partitions,
      clock,
      faults: this.faults,
      checkers: this.checkers,
      trace: this.trace,
      actorSeeds: stream(),
    });
    this.alarms = new AlarmInjector(alarmRandom, alarmKnobs, this.cluster, this.trace, () => this.step);
    this.workload = new Workload(
      stream(),
      knobs.workload,
      this.cluster,
      this.checkers,
      this.trace,
      4 * electionSteps,
      electionSteps,
      knobs.nodeCount,
      () => this.step,
      knobs.kv,
    );
    const livenessBudgetSteps = Math.ceil(
      knobs.livenessElectionTimeouts *
        knobs.raft.electionTimeoutTicks *
        knobs.stepsPerTick *
        (1 + knobs.tickSkew),
    );
    this.liveness = new LivenessProbe(
      this.cluster,
      this.checkers,
      this.trace,
      livenessBudgetSteps,
      2 * electionSteps,
    );
  }

  /** Runs to the end of the liveness phase or the first violation. */
  run(): RunResult {
    assert(this.step === 0, 'a Simulation runs once; create another to run again');
    const { violations } = this.checkers;
    this.trace.record(0, this.summary);
    this.cluster.bootstrap(this.knobs.nodeCount);
    const faultPhaseSteps = this.knobs.faultPhaseTicks * this.knobs.stepsPerTick;
    let healed = false;
    let recovered = false;
    while (!recovered && !violations.any) {
      this.advanceStep();
      if (!healed) this.injectFaults();
      this.network.deliverDue(this.step, this.cluster);
      this.cluster.deliverTicks();
      if (!healed) this.workload.runStep();
      else this.workload.runRetries();
      this.alarms.runStep();
      this.cluster.runTurns();
      this.checkElectableNodes();
      if (this.step % checkpointSteps === 0) this.checkDurableLogs();
      if (!healed && this.step >= faultPhaseSteps) {
        this.heal();
        healed = true;
      } else if (healed) {
        recovered = this.liveness.runStep(this.step);
      }
    }
    if (!violations.any) this.checkDurableLogs();
    this.workload.clients.finishAll();
    if (!violations.any) this.checkClientHistory();
    return this.result();
  }

  /** Linearizability of every client operation (writes across their retries, and reads). */
  private checkClientHistory(): void {
    const verdict = checkLinearizability(kvModel, this.workload.clients.history, {
      maxSteps: linearizabilitySearchSteps,
      shrinkMaxSteps: linearizabilitySearchSteps,
    });
    const { violations } = this.checkers;
    switch (verdict.result) {
      case 'linearizable':
        return;
      case 'unknown':
        this.linearizabilityUnknown = 1;
        if (this.trace.on)
          this.trace.record(this.step, `linearizability: budget exhausted on ${verdict.key}`);
        return;
      case 'not-linearizable':
        violations.report('linearizability', verdict.counterExample.text);
        return;
      case 'invalid-history':
        violations.report(
          'linearizability',
          `the recorded history is malformed at operation ${verdict.operationIndex}: ${verdict.reason}`,
        );
    }
  }

  private advanceStep(): void {
    this.step += 1;
    this.cluster.setStep(this.step);
    this.checkers.violations.step = this.step;
  }

  private injectFaults(): void {
    for (const ended of this.partitions.expire(this.step)) {
      if (this.trace.on) this.trace.record(this.step, `partition #${ended.id} healed`);
    }
    const candidates = this.cluster.all.filter((node) => !node.retired).map((node) => node.id);
    const started = this.partitions.maybeStart(this.step, candidates);
    if (started !== null) {
      if (this.trace.on) {
        this.trace.record(
          this.step,
          `partition #${started.id} ${started.description} until step ${started.endStep}`,
        );
      }
      this.workload.onPartitionStarted();
    }
    for (const ended of this.throttles.expire(this.step)) {
      if (this.trace.on) this.trace.record(this.step, `throttle of ${ended.node}'s outbound links ended`);
    }
    const throttled = this.throttles.maybeStart(this.step, this.cluster.leader()?.id ?? null);
    if (throttled !== null && this.trace.on) {
      this.trace.record(
        this.step,
        `throttle ${throttled.node}'s outbound links to ${this.throttles.knobs.bytesPerStep} B/step until step ${throttled.endStep}`,
      );
    }
    this.cluster.injectCrashesAndRestarts();
  }

  /** Ends every fault: no partitions, loss, duplication, long delays, crashes or pauses; every node that should run, runs. */
  private heal(): void {
    this.trace.record(
      this.step,
      'heal: no more partitions, throttles, loss, duplication, long delays, crashes or pauses; restarting every node',
    );
    this.partitions.healAll();
    this.throttles.healAll();
    this.network.stopLossAndDuplication();
    this.network.stopLongDelays();
    this.faults.stop();
    this.alarms.heal();
    this.cluster.restartAll();
    this.liveness.begin(this.step);
  }

  /**
   * Leader completeness for every node that could win an election now (not only those that did),
   * and that no two of them could be elected by disjoint majorities.
   */
  private checkElectableNodes(): void {
    const candidates = this.cluster.all
      .filter((node) => !node.retired)
      .map((node) => ({
        id: node.id,
        log: node.disk,
        voters: node.disk
          .latestConfiguration()
          .members.filter((member) => member.role === 'voter')
          .map((member) => member.id),
      }));
    const electable = electableNodes(candidates);
    this.checkers.leaderCompleteness.checkElectableNodes(electable);
    this.checkers.electionSafety.checkElectableOverlap(electable.map(({ candidate }) => candidate));
  }

  private checkDurableLogs(): void {
    this.checkers.logMatching.check(
      this.cluster.all.map((node) => ({ id: node.id, entries: node.disk.durableEntries() })),
    );
  }

  private result(): RunResult {
    const failures = this.checkers.violations.all;
    return {
      ok: failures.length === 0,
      seed: this.seed,
      summary: this.summary,
      failures,
      stats: this.stats(),
      traceDigest: this.trace.digest(),
    };
  }

  private stats(): SimulationStats {
    const network = this.network.counters;
    const cluster = this.cluster.counters;
    const workload = this.workload.counters;
    const clients = this.workload.clients.counters;
    return {
      steps: this.step,
      ticks: cluster.ticks,
      messages: network.sent,
      delivered: network.delivered,
      dropped:
        network.lost + network.droppedByPartition + network.droppedNodeDown + network.droppedByThrottle,
      duplicated: network.duplicated,
      delayedLong: network.delayedLong,
      deliveredAfterTermChange: cluster.deliveredAfterTermChange,
      crashes: cluster.crashes,
      crashesInPersist: cluster.crashesInPersist,
      crashesInApply: cluster.crashesInApply,
      powerLosses: cluster.powerLosses,
      wholeClusterPowerLosses: cluster.wholeClusterPowerLosses,
      tornWrites: cluster.tornWrites,
      writesLostToPowerLoss: cluster.writesLostToPowerLoss,
      bitFlips: cluster.bitFlips,
      corruptionsRefused: cluster.corruptionsRefused,
      pauses: cluster.pauses,
      restarts: cluster.restarts,
      crashesLosingKvWrites: cluster.crashesLosingKvWrites,
      partitions: this.partitions.startedCount,
      throttles: this.throttles.startedCount,
      elections: cluster.elections,
      proposals: clients.proposals,
      writes: clients.writes,
      sessionRetries: clients.sessionRetries,
      writesUnknown: clients.writesUnknown,
      commits: this.checkers.proposals.acknowledged,
      reads: clients.reads,
      readsServed: this.checkers.reads.served,
      followerReadsServed: clients.followerReadsServed,
      membershipChanges: workload.membershipChanges,
      concurrentMembershipAttempts: workload.concurrentMembershipAttempts,
      concurrentMembershipRefused: workload.concurrentMembershipRefused,
      transfers: workload.transfers,
      alarmCommands: this.alarms.commands,
      writesRefusedNoSpace: clients.writesRefusedNoSpace,
      snapshotsInstalled: cluster.snapshotsInstalled,
      appliedIndex: this.checkers.history.lastIndex,
      historyOperations: this.workload.clients.history.length,
      linearizabilityUnknown: this.linearizabilityUnknown,
      recoverySteps: this.liveness.stepsToRecover,
    };
  }
}

/** Runs one seed to completion. Same seed + same code = the same run, event for event. */
export function runSeed(seed: number, options: SimulationOptions = {}): RunResult {
  return new Simulation(seed, options).run();
}
