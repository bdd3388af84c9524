// Every knob of one simulation run, drawn from a single seed, and the one-line summary that prints
// them. Pure: draws only from the SeededPrng it is given; never reads a clock or the environment.
import type { SeededPrng } from '@raftkv/raft';

export interface NetworkKnobs {
  /** Probability that one sent message is lost. */
  readonly lossRate: number;
  /** Probability that one sent message is delivered twice (each copy with its own delay). */
  readonly duplicationRate: number;
  /** Delivery delay in steps, drawn uniformly per message: unequal delays reorder messages. */
  readonly delayStepsMin: number;
  readonly delayStepsMax: number;
  /** Share of messages (each copy on its own) delayed long instead: past delayStepsMax, up to longDelayStepsMax. */
  readonly longDelayShare: number;
  /** Several election timeouts, so a reply can arrive after its sender moved to a later term. */
  readonly longDelayStepsMax: number;
}

export interface PartitionKnobs {
  /** Probability per step that a new partition (isolate, split, one-way or flapping) starts. */
  readonly startRatePerStep: number;
  readonly durationStepsMin: number;
  readonly durationStepsMax: number;
  /** At most this many partitions overlap. */
  readonly concurrentMax: number;
}

export interface CrashKnobs {
  /** Probability per step that one running node crashes between turns. */
  readonly crashRatePerNodeStep: number;
  /** Probability that one storage.persist call crashes the node before the write is durable. */
  readonly persistCrashBeforeWriteRate: number;
  /** Probability that one storage.persist call crashes the node right after the write is durable. */
  readonly persistCrashAfterWriteRate: number;
  /** Probability that one stateMachine.apply call crashes the node before anything is applied. */
  readonly applyCrashRate: number;
  readonly downStepsMin: number;
  readonly downStepsMax: number;
  /**
   * Probability per step that one running node pauses (a GC or VM pause): it takes no ticks and no
   * turns and drops the messages sent to it, while client requests queue; then it resumes with its
   * volatile state intact, possibly a leader that was replaced meanwhile.
   */
  readonly pauseRatePerNodeStep: number;
  readonly pauseStepsMax: number;
}

export interface StorageKnobs {
  /** Probability per step that one running node loses power (a crash that keeps only synced data). */
  readonly powerLossRatePerNodeStep: number;
  /** Probability that one sync (fdatasync, fsync, directory fsync) of a running node is cut by a power loss. */
  readonly powerLossInSyncRate: number;
  /** Probability per step that every machine loses power at once. */
  readonly wholeClusterPowerLossRatePerStep: number;
  /** Probability that a crash or power loss also flips a bit in synced log data (one node per run at most). */
  readonly bitFlipRate: number;
  /** The write-ahead log's segmentBytesMin: tiny, so segment rewrites (temp, fsync, rename, directory fsync) happen often. */
  readonly walSegmentBytesMin: number;
}

export interface WorkloadKnobs {
  /** Probability per step that the client issues a proposal or a read. */
  readonly operationRatePerStep: number;
  /** Share of those operations that are linearizable reads (the rest are proposals). */
  readonly readShare: number;
  /** Share of writes that are plain puts (see KvKnobs for the rest). */
  readonly putShare: number;
  readonly keyCount: number;
  readonly outstandingMax: number;
  readonly membershipChangeRatePerStep: number;
  readonly leadershipTransferRatePerStep: number;
  /** Fresh node ids the workload may add as learners over the run. */
  readonly joinersMax: number;
  /**
   * Probability that a membership change is followed at once by a second one while the first is
   * uncommitted (the core must refuse it, thesis §4.1); a change drawn while one is in flight is
   * always tried as such a concurrent attempt.
   */
  readonly concurrentMembershipShare: number;
  /** Probability that the start of a partition is followed at once by a leadership transfer. */
  readonly transferOnPartitionShare: number;
  /** Length of one read-heavy stretch in steps (0: none); stretches alternate with normal ones. */
  readonly readHeavyStretchSteps: number;
  /** Share of operations that are linearizable reads during a read-heavy stretch. */
  readonly readHeavyReadShare: number;
}

export interface KvKnobs {
  /** Simulated clients, each with its own exactly-once session (thesis §6.3). */
  readonly clientCount: number;
  /** Share of writes that delete a key. */
  readonly deleteShare: number;
  /** Share of writes that are one-key transactions (compare, then put or get); the rest are CAS. */
  readonly transactionShare: number;
  /** A node's KV store makes its applied writes durable every this many of its ticks (null: never by time). */
  readonly commitEveryTicks: number | null;
  /** ... or once this many bytes were written since the last commit (null: never by size). */
  readonly commitAfterBytes: number | null;
}

/**
 * Swarm testing (Groce et al., ISSTA 2012): each seed switches every fault family on or off, so
 * that rare combinations (long delays without loss, membership changes without crashes, ...) are
 * tried rather than every seed mixing everything. A family that is off has all its rates at 0.
 */
export const faultFamilies = [
  'loss',
  'duplication',
  'longDelays',
  'partitions',
  'crashes',
  'pauses',
  'persistCrashes',
  'applyCrashes',
  'membership',
  'transfers',
  'readHeavy',
  'powerLoss',
  'wholeClusterPowerLoss',
  'bitFlips',
  'throttle',
] as const;

export type FaultFamily = (typeof faultFamilies)[number];

export type FaultFamilies = Readonly<Record<FaultFamily, boolean>>;

/** Probability that one family is on for a seed. */
const familyOnProbability = 0.5;

export interface RaftKnobs {
  readonly electionTimeoutTicks: number;
  readonly heartbeatIntervalTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxInflightMessages: number;
  readonly maxMessageEntriesBytes: number;
  /** Small, so a leader pushes back on a client faster than replication (flow control) instead of queueing. */
  readonly maxUncommittedEntriesBytes: number;
  readonly snapshotChunkBytes: number;
  readonly compactionThresholdEntries: number;
  readonly compactionTrailingEntries: number;
  /**
   * The starvation check's lag bound (RaftConfig.starvationLagTicks), derived from the network, not
   * drawn. The check presumes that an entry's normal acknowledgement arrives well within the bound:
   * raftkvd sets half a heartbeat interval (50 ms) over links whose round trip is far shorter, as
   * paper §5.6 asks of the broadcast time. Here a round trip takes up to 2 · delayStepsMax steps and
   * an entry may wait behind one append in flight, so the bound is two round trips at the fastest
   * node's tick rate. A bound below the normal round trip makes a healthy leader under load hand
   * over again and again, which is not the deployment raftkvd describes (seed 2046: two hand-overs
   * after the heal each restarted an 11 KB snapshot transfer from its first chunk).
   */
  readonly starvationLagTicks: number;
}

export interface SimulationKnobs {
  readonly nodeCount: 3 | 5;
  /** Each node ticks once every stepsPerTick · (1 ± tickSkew) steps (its own period, seed-drawn). */
  readonly stepsPerTick: number;
  readonly tickSkew: number;
  /** Which fault families this seed switched on (swarm testing). */
  readonly families: FaultFamilies;
  /** Length of the fault phase, in ticks of the base period. */
  readonly faultPhaseTicks: number;
  /** After healing, a leader must commit a new proposal on every member within this many election timeouts. */
  readonly livenessElectionTimeouts: number;
  readonly raft: RaftKnobs;
  readonly network: NetworkKnobs;
  readonly partitions: PartitionKnobs;
  readonly crashes: CrashKnobs;
  readonly workload: WorkloadKnobs;
  readonly storage: StorageKnobs;
  readonly kv: KvKnobs;
}

const pick = <T>(random: SeededPrng, choices: readonly T[]): T => choices[random.nextInt(choices.length)]!;
const between = (random: SeededPrng, low: number, high: number): number =>
  low + random.nextInt(high - low + 1);

/** Draws which fault families are on; every family on its own coin. */
export function drawFamilies(random: SeededPrng): FaultFamilies {
  const families = {} as Record<FaultFamily, boolean>;
  for (const family of faultFamilies) families[family] = random.chance(familyOnProbability);
  return families;
}

/** Draws every knob from `random`, in a fixed order (changing the order changes every seed's run). */
export function drawKnobs(random: SeededPrng): SimulationKnobs {
  const on = drawFamilies(random);
  /** The drawn rate when `family` is on, else 0 (the draw happens either way, to keep the order). */
  const when = (family: FaultFamily, value: number): number => (on[family] ? value : 0);
  const stepsPerTick = between(random, 2, 4);
  const electionTimeoutTicks = between(random, 6, 12);
  const electionSteps = electionTimeoutTicks * stepsPerTick;
  const delayStepsMax = between(random, 1, stepsPerTick);
  const nodeCount = random.chance(0.5) ? 3 : 5;
  const tickSkew = pick(random, [0, 0.05, 0.2]);
  return {
    nodeCount,
    stepsPerTick,
    tickSkew,
    families: on,
    faultPhaseTicks: between(random, 300, 900),
    livenessElectionTimeouts: 20,
    raft: {
      electionTimeoutTicks,
      heartbeatIntervalTicks: between(random, 1, 2),
      preVote: random.chance(0.75),
      checkQuorum: random.chance(0.75),
      maxInflightMessages: between(random, 1, 8),
      maxMessageEntriesBytes: pick(random, [256, 1024, 65_536]),
      maxUncommittedEntriesBytes: pick(random, [1024, 4096]),
      snapshotChunkBytes: pick(random, [64, 256, 1024, 8192]),
      compactionThresholdEntries: between(random, 4, 32),
      compactionTrailingEntries: between(random, 0, 6),
      starvationLagTicks: Math.ceil((4 * delayStepsMax) / (stepsPerTick * (1 - tickSkew))),
    },
    network: {
      lossRate: when('loss', pick(random, [0.01, 0.05, 0.1, 0.2])),
      duplicationRate: when('duplication', pick(random, [0.01, 0.05])),
      delayStepsMin: 1,
      delayStepsMax,
      longDelayShare: when('longDelays', pick(random, [0.01, 0.05, 0.2])),
      longDelayStepsMax: Math.max(delayStepsMax + 1, between(random, 1, 4) * electionSteps),
    },
    partitions: {
      startRatePerStep: when('partitions', pick(random, [1 / 600, 1 / 250, 1 / 100])),
      durationStepsMin: 2 * stepsPerTick,
      durationStepsMax: 4 * electionSteps,
      concurrentMax: between(random, 1, 2),
    },
    crashes: {
      crashRatePerNodeStep: when('crashes', pick(random, [1 / 6000, 1 / 2500, 1 / 1000])),
      persistCrashBeforeWriteRate: when('persistCrashes', pick(random, [0.0005, 0.002, 0.01])),
      persistCrashAfterWriteRate: when('persistCrashes', pick(random, [0, 0.0005, 0.002])),
      applyCrashRate: when('applyCrashes', pick(random, [0.001, 0.005])),
      downStepsMin: stepsPerTick,
      downStepsMax: 3 * electionSteps,
      pauseRatePerNodeStep: when('pauses', pick(random, [1 / 2500, 1 / 1000, 1 / 400])),
      pauseStepsMax: between(random, 2, 4) * electionSteps,
    },
    workload: {
      operationRatePerStep: pick(random, [0.05, 0.15, 0.4]),
      readShare: pick(random, [0.1, 0.3, 0.5]),
      putShare: pick(random, [0.5, 0.7]),
      keyCount: between(random, 1, 5),
      outstandingMax: pick(random, [4, 16, 64]),
      membershipChangeRatePerStep: when('membership', pick(random, [1 / 1500, 1 / 500, 1 / 200])),
      leadershipTransferRatePerStep: when('transfers', pick(random, [1 / 1500, 1 / 400])),
      joinersMax: between(random, 1, 3),
      concurrentMembershipShare: pick(random, [0.2, 0.5]),
      transferOnPartitionShare: when('transfers', pick(random, [0.2, 0.5])),
      readHeavyStretchSteps: when('readHeavy', between(random, 2, 8) * electionSteps),
      readHeavyReadShare: pick(random, [0.8, 0.95]),
    },
    storage: {
      powerLossRatePerNodeStep: when('powerLoss', pick(random, [1 / 8000, 1 / 3000, 1 / 1200])),
      powerLossInSyncRate: when('powerLoss', pick(random, [0, 0.0005, 0.002, 0.01])),
      wholeClusterPowerLossRatePerStep: when('wholeClusterPowerLoss', pick(random, [1 / 5000, 1 / 1500])),
      bitFlipRate: when('bitFlips', pick(random, [0.02, 0.1])),
      walSegmentBytesMin: pick(random, [256, 1024, 4096]),
    },
    kv: {
      clientCount: between(random, 2, 5),
      deleteShare: pick(random, [0.05, 0.1]),
      transactionShare: pick(random, [0.05, 0.1]),
      commitEveryTicks: pick(random, [1, 10, 50, null]),
      commitAfterBytes: pick(random, [256, 4096, null]),
    },
  };
}

const rate = (value: number): string =>
  value === 0 ? '0' : value >= 0.01 ? String(value) : `1/${Math.round(1 / value)}`;

/** One line naming every knob, so a failing seed's setting is readable from the log. */
export function describeKnobs(seed: number, knobs: SimulationKnobs): string {
  const { raft, network, partitions, crashes, workload, storage, kv } = knobs;
  const families = faultFamilies.filter((family) => knobs.families[family]);
  return [
    `seed=${seed}`,
    `families=${families.length === 0 ? 'none' : families.join(',')}`,
    `nodes=${knobs.nodeCount}(+${workload.joinersMax} joiners)`,
    `faultTicks=${knobs.faultPhaseTicks}`,
    `stepsPerTick=${knobs.stepsPerTick}±${knobs.tickSkew * 100}%`,
    `election=${raft.electionTimeoutTicks}t`,
    `heartbeat=${raft.heartbeatIntervalTicks}t`,
    `preVote=${raft.preVote}`,
    `checkQuorum=${raft.checkQuorum}`,
    `inflight=${raft.maxInflightMessages}`,
    `msgBytes=${raft.maxMessageEntriesBytes}`,
    `uncommittedBytes=${raft.maxUncommittedEntriesBytes}`,
    `chunkBytes=${raft.snapshotChunkBytes}`,
    `compact=${raft.compactionThresholdEntries}/${raft.compactionTrailingEntries}`,
    `starvationLag=${raft.starvationLagTicks}t`,
    `loss=${rate(network.lossRate)}`,
    `dup=${rate(network.duplicationRate)}`,
    `delay=${network.delayStepsMin}..${network.delayStepsMax}`,
    `longDelay=${rate(network.longDelayShare)}..${network.longDelayStepsMax}`,
    `partitions=${rate(partitions.startRatePerStep)}x${partitions.concurrentMax}`,
    `crash=${rate(crashes.crashRatePerNodeStep)}`,
    `pause=${rate(crashes.pauseRatePerNodeStep)}..${crashes.pauseStepsMax}`,
    `persistCrash=before:${rate(crashes.persistCrashBeforeWriteRate)},after:${rate(crashes.persistCrashAfterWriteRate)}`,
    `applyCrash=${rate(crashes.applyCrashRate)}`,
    `powerLoss=${rate(storage.powerLossRatePerNodeStep)},inSync:${rate(storage.powerLossInSyncRate)},cluster:${rate(storage.wholeClusterPowerLossRatePerStep)}`,
    `bitFlip=${rate(storage.bitFlipRate)}`,
    `walSegment=${storage.walSegmentBytesMin}`,
    `ops=${workload.operationRatePerStep}(reads ${workload.readShare})`,
    `keys=${workload.keyCount}`,
    `membership=${rate(workload.membershipChangeRatePerStep)}(concurrent ${workload.concurrentMembershipShare})`,
    `transfer=${rate(workload.leadershipTransferRatePerStep)}(on partition ${workload.transferOnPartitionShare})`,
    `readHeavy=${workload.readHeavyStretchSteps}(reads ${workload.readHeavyReadShare})`,
    `clients=${kv.clientCount}`,
    `kvCommit=${kv.commitEveryTicks ?? '-'}t/${kv.commitAfterBytes ?? '-'}B`,
  ].join(' ');
}
