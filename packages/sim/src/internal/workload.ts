// The seeded client workload of the fault phase: KV writes with client sessions and linearizable
// reads from the simulated clients (kv-clients.ts), with read-heavy stretches; membership changes
// (add a learner, promote it, remove a voter or the leader, keeping ≥3 voters most of the time, plus
// concurrent attempts the core must refuse) and leadership transfers (also as partitions start).
// Every outcome goes to the checkers. Clients talk to nodes directly (no simulated network).
import { type Configuration, type NodeId, nodeId, type ProposalResult, type SeededPrng } from '@raftkv/raft';
import type { SafetyCheckers } from './checkers/safety-checkers.js';
import { type Cluster, memberAddress } from './cluster.js';
import type { KvKnobs, WorkloadKnobs } from './knobs.js';
import { KvClients } from './kv-clients.js';
import type { SimNode } from './sim-node.js';
import type { Trace } from './trace.js';

export interface WorkloadCounters {
  membershipChanges: number;
  membershipChangesAttempted: number;
  /** Changes asked of a leader while another change was in flight (thesis §4.1: one at a time). */
  concurrentMembershipAttempts: number;
  concurrentMembershipRefused: number;
  transfers: number;
  transfersAttempted: number;
}

export class Workload {
  readonly counters: WorkloadCounters = {
    membershipChanges: 0,
    membershipChangesAttempted: 0,
    concurrentMembershipAttempts: 0,
    concurrentMembershipRefused: 0,
    transfers: 0,
    transfersAttempted: 0,
  };
  readonly clients: KvClients;
  private membershipChangeInFlightSince: number | null = null;
  private joinersStarted = 0;
  /** A joiner started for an addLearner that has not yet shown up in a configuration. */
  private pendingJoiner: NodeId | null = null;
  /** Whether the current stretch is read-heavy, and the step at which the next stretch begins. */
  private readHeavy = false;
  private nextStretchAt = 0;

  constructor(
    private readonly random: SeededPrng,
    private readonly knobs: WorkloadKnobs,
    private readonly cluster: Cluster,
    checkers: SafetyCheckers,
    private readonly trace: Trace,
    private readonly clientTimeoutSteps: number,
    /** How long the client waits on its hinted leader before it tries other nodes. */
    failoverSteps: number,
    private readonly initialNodeCount: number,
    private readonly now: () => number,
    kvKnobs: KvKnobs,
  ) {
    this.clients = new KvClients(
      random,
      kvKnobs,
      knobs.putShare,
      knobs.keyCount,
      {
        attemptTimeoutSteps: clientTimeoutSteps,
        attemptsMax: 6,
        backoffBaseSteps: Math.max(1, Math.round(clientTimeoutSteps / 32)),
        failoverSteps,
      },
      cluster,
      checkers,
      trace,
      now,
    );
  }

  private get step(): number {
    return this.now();
  }

  /** Issues this step's operations, each with its seed-drawn probability. */
  runStep(): void {
    this.clients.runStep();
    this.maybeSwitchStretch();
    const operationRate = this.readHeavy
      ? Math.max(this.knobs.operationRatePerStep, readHeavyOperationRate)
      : this.knobs.operationRatePerStep;
    const readShare = this.readHeavy ? this.knobs.readHeavyReadShare : this.knobs.readShare;
    if (this.clients.outstanding < this.knobs.outstandingMax && this.random.chance(operationRate)) {
      if (this.random.chance(readShare)) this.clients.issueRead();
      else this.clients.issueWrite();
    }
    if (this.random.chance(this.knobs.membershipChangeRatePerStep)) this.issueMembershipChange();
    if (this.random.chance(this.knobs.leadershipTransferRatePerStep)) this.issueLeadershipTransfer();
  }

  /** After healing: no new operations, but the clients still retry the writes they have in flight. */
  runRetries(): void {
    this.clients.runStep();
  }

  /** A partition just started: maybe ask the leader to hand over right now, across the cut. */
  onPartitionStarted(): void {
    if (this.random.chance(this.knobs.transferOnPartitionShare)) this.issueLeadershipTransfer();
  }

  /** Alternates normal stretches (1-3 times as long) with read-heavy ones, when those are on. */
  private maybeSwitchStretch(): void {
    const stretch = this.knobs.readHeavyStretchSteps;
    if (stretch === 0 || this.step < this.nextStretchAt) return;
    this.readHeavy = !this.readHeavy && this.nextStretchAt > 0;
    this.nextStretchAt = this.step + (this.readHeavy ? stretch : stretch * (1 + this.random.nextInt(3)));
    this.record(
      `workload: ${this.readHeavy ? 'read-heavy' : 'normal'} stretch until step ${this.nextStretchAt}`,
    );
  }

  private issueMembershipChange(): void {
    const leader = this.cluster.leader();
    if (leader?.actor == null) return;
    const inFlightSince = this.membershipChangeInFlightSince;
    if (inFlightSince !== null && this.step - inFlightSince <= this.clientTimeoutSteps) {
      this.issueConcurrentMembershipChange(leader);
      return;
    }
    const configuration = leader.actor.status().configuration;
    const change = this.chooseMembershipChange(configuration);
    if (change === null) return;
    this.membershipChangeInFlightSince = this.step;
    this.requestMembershipChange(leader, change, false);
    if (this.random.chance(this.knobs.concurrentMembershipShare)) {
      this.issueConcurrentMembershipChange(leader);
    }
  }

  /**
   * Asks `leader` for another change while one is in flight. Thesis §4.1: a leader must refuse it
   * until the earlier one commits; were it accepted, two changes could together move the cluster to
   * a configuration whose majorities miss the old one's. When the earlier change already committed
   * (or was lost with a crashed leader), this one is an ordinary change, chosen to keep the
   * workload's invariants (no new joiner is started for it).
   */
  private issueConcurrentMembershipChange(leader: SimNode): void {
    const configuration = leader.actor?.status().configuration;
    if (configuration === undefined) return;
    const change = this.chooseConcurrentChange(configuration);
    if (change === null) return;
    this.counters.concurrentMembershipAttempts += 1;
    this.requestMembershipChange(leader, change, true);
  }

  private requestMembershipChange(leader: SimNode, change: MembershipRequest, concurrent: boolean): void {
    this.counters.membershipChangesAttempted += 1;
    const text = `${change.type} ${change.id}${concurrent ? ' (concurrent)' : ''}`;
    this.record(`client asks ${leader.id} to ${text}`);
    leader.actor?.deliver({
      type: 'changeMembership',
      change,
      onResult: (result) => {
        if (!concurrent) this.membershipChangeInFlightSince = null;
        this.record(`${text} on ${leader.id}: ${describe(result)}`);
        if (!result.ok) {
          if (concurrent && result.reason === 'membership-change-in-progress')
            this.counters.concurrentMembershipRefused += 1;
          return;
        }
        this.counters.membershipChanges += 1;
        if (change.type !== 'removeMember') return;
        const removed = this.cluster.node(change.id);
        if (removed !== undefined) this.cluster.retire(removed);
      },
    });
  }

  /** A change that alters the voters when possible: promote a learner, or remove a voter or learner. */
  private chooseConcurrentChange(configuration: Configuration): MembershipRequest | null {
    const voters = configuration.members.filter((member) => member.role === 'voter');
    const learners = configuration.members.filter((member) => member.role === 'learner');
    const choices: MembershipRequest[] = learners.map((learner) => ({
      type: 'promoteLearner',
      id: learner.id,
    }));
    if (voters.length > 3 || (voters.length === 3 && this.random.chance(0.1))) {
      for (const voter of voters) choices.push({ type: 'removeMember', id: voter.id });
    }
    if (choices.length === 0) {
      for (const learner of learners) choices.push({ type: 'removeMember', id: learner.id });
    }
    return choices.length === 0 ? null : choices[this.random.nextInt(choices.length)]!;
  }

  private chooseMembershipChange(configuration: Configuration): MembershipRequest | null {
    const voters = configuration.members.filter((member) => member.role === 'voter');
    const learner = configuration.members.find((member) => member.role === 'learner');
    const pending = this.pendingJoiner;
    if (pending !== null && configuration.members.some((member) => member.id === pending))
      this.pendingJoiner = null;
    if (learner !== undefined && this.random.chance(0.8)) return { type: 'promoteLearner', id: learner.id };
    const mayRemoveVoter = voters.length > 3 || (voters.length === 3 && this.random.chance(0.1));
    if (mayRemoveVoter && this.random.chance(0.5)) {
      const drawn = voters[this.random.nextInt(voters.length)]!.id;
      // As an operator would: a voter whose log refused to open goes first (it cannot vote).
      const refused = voters.find((voter) => this.cluster.node(voter.id)?.refusedToStart);
      return { type: 'removeMember', id: refused?.id ?? drawn };
    }
    if (learner === undefined && this.pendingJoiner !== null) {
      return { type: 'addLearner', id: this.pendingJoiner, address: memberAddress(this.pendingJoiner) };
    }
    if (learner === undefined && this.joinersStarted < this.knobs.joinersMax) {
      this.joinersStarted += 1;
      const id = nodeId(`n${this.initialNodeCount + this.joinersStarted}`);
      this.cluster.addJoiner(id);
      this.pendingJoiner = id;
      return { type: 'addLearner', id, address: memberAddress(id) };
    }
    return learner === undefined ? null : { type: 'removeMember', id: learner.id };
  }

  private issueLeadershipTransfer(): void {
    const leader = this.cluster.leader();
    if (leader?.actor == null) return;
    const voters = leader.actor
      .status()
      .configuration.members.filter((member) => member.role === 'voter' && member.id !== leader.id);
    const target = voters[this.random.nextInt(Math.max(1, voters.length))];
    if (target === undefined) return;
    this.counters.transfersAttempted += 1;
    this.record(`client asks ${leader.id} to transfer leadership to ${target.id}`);
    leader.actor.deliver({
      type: 'transferLeadership',
      to: target.id,
      onResult: (result) => {
        this.record(`transfer ${leader.id}->${target.id}: ${result.accepted ? 'accepted' : result.reason}`);
        if (result.accepted) this.counters.transfers += 1;
      },
    });
  }

  private record(text: string): void {
    if (this.trace.on) this.trace.record(this.step, text);
  }
}

type MembershipRequest =
  | { readonly type: 'addLearner'; readonly id: NodeId; readonly address: string }
  | { readonly type: 'promoteLearner' | 'removeMember'; readonly id: NodeId };

/** During a read-heavy stretch the client issues an operation at least this often per step. */
const readHeavyOperationRate = 0.4;

function describe(result: ProposalResult<unknown>): string {
  return result.ok ? `ok at ${result.index}/${result.term}` : result.reason;
}
