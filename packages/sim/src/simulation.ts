// One deterministic simulation run: the production RaftActor on N simulated machines, a fault phase
// (network faults, partitions, crashes, client workload) and then a liveness phase after healing,
// with every safety checker watching. Everything is drawn from one seed; steps are the only time.
import { assert, SeededPrng } from '@raftkv/raft';
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

export interface SimulationOptions {
  /** 'digest' (default) hashes every event; 'verbose' also writes each one; 'off' is fastest. */
  readonly trace?: TraceMode;
  /** Where verbose trace lines go. */
  readonly writeLine?: (line: string) => void;
  /** Adjusts the drawn knobs (e.g. a fault profile for a test); the PRNG streams stay the same. */
  readonly tuneKnobs?: (drawn: SimulationKnobs) => SimulationKnobs;
  /** Adjusts the drawn throttle knobs (e.g. throttles on for a test); the PRNG streams stay the same. */
  readonly tuneThrottle?: (drawn: ThrottleKnobs) => ThrottleKnobs;
}

export interface SimulationStats {
  readonly steps: number;
  readonly ticks: number;
  readonly messages: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly duplicated: number;
  readonly crashes: number;
  readonly crashesInPersist: number;
  readonly crashesInApply: number;
  readonly restarts: number;
  readonly partitions: number;
  /** Throttles of a leader's outbound links (throttle.ts). */
  readonly throttles: number;
  readonly elections: number;
  readonly proposals: number;
  readonly commits: number;
  readonly reads: number;
  readonly readsServed: number;
  readonly membershipChanges: number;
  readonly transfers: number;
  readonly snapshotsInstalled: number;
  readonly appliedIndex: number;
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
  private readonly liveness: LivenessProbe;
  private step = 0;

  constructor(
    readonly seed: number,
    options: SimulationOptions = {},
  ) {
    const root = new SeededPrng(seed);
    const drawn = drawKnobs(root);
    this.knobs = options.tuneKnobs?.(drawn) ?? drawn;
    // One stream per component, drawn in a fixed order; the throttle's is drawn last so that adding
    // it left every earlier stream of a seed as it was.
    const streams = Array.from({ length: 7 }, () => new SeededPrng(root.nextUint32()));
    const stream = (): SeededPrng => streams.shift()!;
    const { knobs } = this;
    const electionSteps = knobs.raft.electionTimeoutTicks * knobs.stepsPerTick;
    const throttleRandom = streams[6]!;
    const throttleKnobs = drawThrottleKnobs(throttleRandom, electionSteps);
    this.throttles = new ThrottleSchedule(
      throttleRandom,
      options.tuneThrottle?.(throttleKnobs) ?? throttleKnobs,
    );
    this.summary = `${describeKnobs(seed, this.knobs)} ${describeThrottleKnobs(this.throttles.knobs)}`;
    this.trace = new Trace(options.trace ?? 'digest', options.writeLine);
    this.network = new SimulatedNetwork(stream(), knobs.network, this.throttles);
    this.partitions = new PartitionSchedule(stream(), knobs.partitions);
    this.faults = new FaultInjector(stream(), knobs.crashes);
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
    this.workload = new Workload(
      stream(),
      knobs.workload,
      this.cluster,
      this.checkers,
      this.trace,
      4 * electionSteps,
      knobs.nodeCount,
      () => this.step,
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
    return this.result();
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
    if (started !== null && this.trace.on) {
      this.trace.record(
        this.step,
        `partition #${started.id} ${started.description} until step ${started.endStep}`,
      );
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

  /** Ends every fault: no partitions, loss, duplication or crashes; every node that should run, runs. */
  private heal(): void {
    this.trace.record(
      this.step,
      'heal: no more partitions, throttles, loss, duplication or crashes; restarting every node',
    );
    this.partitions.healAll();
    this.throttles.healAll();
    this.network.stopLossAndDuplication();
    this.faults.stop();
    this.cluster.restartAll();
    this.liveness.begin(this.step);
  }

  /** Leader completeness for every node that could win an election now (not only those that did). */
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
    this.checkers.leaderCompleteness.checkElectable(candidates);
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
    return {
      steps: this.step,
      ticks: cluster.ticks,
      messages: network.sent,
      delivered: network.delivered,
      dropped:
        network.lost + network.droppedByPartition + network.droppedNodeDown + network.droppedByThrottle,
      duplicated: network.duplicated,
      crashes: cluster.crashes,
      crashesInPersist: cluster.crashesInPersist,
      crashesInApply: cluster.crashesInApply,
      restarts: cluster.restarts,
      partitions: this.partitions.startedCount,
      throttles: this.throttles.startedCount,
      elections: cluster.elections,
      proposals: workload.proposals,
      commits: this.checkers.proposals.acknowledged,
      reads: workload.reads,
      readsServed: this.checkers.reads.served,
      membershipChanges: workload.membershipChanges,
      transfers: workload.transfers,
      snapshotsInstalled: cluster.snapshotsInstalled,
      appliedIndex: this.checkers.history.lastIndex,
      recoverySteps: this.liveness.stepsToRecover,
    };
  }
}

/** Runs one seed to completion. Same seed + same code = the same run, event for event. */
export function runSeed(seed: number, options: SimulationOptions = {}): RunResult {
  return new Simulation(seed, options).run();
}
