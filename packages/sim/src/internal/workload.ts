// The seeded client workload of the fault phase: KV writes with client sessions and linearizable
// reads from the simulated clients (kv-clients.ts), membership changes (add a learner, promote it,
// remove a voter or the leader, keeping ≥3 voters most of the time) and leadership transfers. Every
// outcome goes to the checkers. Clients talk to nodes directly (no simulated network).
import { type Configuration, type NodeId, nodeId, type ProposalResult, type SeededPrng } from '@raftkv/raft';
import type { SafetyCheckers } from './checkers/safety-checkers.js';
import { type Cluster, memberAddress } from './cluster.js';
import type { KvKnobs, WorkloadKnobs } from './knobs.js';
import { KvClients } from './kv-clients.js';
import type { Trace } from './trace.js';

export interface WorkloadCounters {
  membershipChanges: number;
  membershipChangesAttempted: number;
  transfers: number;
  transfersAttempted: number;
}

export class Workload {
  readonly counters: WorkloadCounters = {
    membershipChanges: 0,
    membershipChangesAttempted: 0,
    transfers: 0,
    transfersAttempted: 0,
  };
  readonly clients: KvClients;
  private membershipChangeInFlightSince: number | null = null;
  private joinersStarted = 0;
  /** A joiner started for an addLearner that has not yet shown up in a configuration. */
  private pendingJoiner: NodeId | null = null;

  constructor(
    private readonly random: SeededPrng,
    private readonly knobs: WorkloadKnobs,
    private readonly cluster: Cluster,
    private readonly checkers: SafetyCheckers,
    private readonly trace: Trace,
    private readonly clientTimeoutSteps: number,
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
    if (
      this.clients.outstanding < this.knobs.outstandingMax &&
      this.random.chance(this.knobs.operationRatePerStep)
    ) {
      if (this.random.chance(this.knobs.readShare)) this.clients.issueRead();
      else this.clients.issueWrite();
    }
    if (this.random.chance(this.knobs.membershipChangeRatePerStep)) this.issueMembershipChange();
    if (this.random.chance(this.knobs.leadershipTransferRatePerStep)) this.issueLeadershipTransfer();
  }

  /** After healing: no new operations, but the clients still retry the writes they have in flight. */
  runRetries(): void {
    this.clients.runStep();
  }

  private issueMembershipChange(): void {
    const leader = this.cluster.leader();
    if (leader?.actor == null) return;
    const inFlightSince = this.membershipChangeInFlightSince;
    if (inFlightSince !== null && this.step - inFlightSince <= this.clientTimeoutSteps) return;
    const change = this.chooseMembershipChange(leader.actor.status().configuration);
    if (change === null) return;
    this.membershipChangeInFlightSince = this.step;
    this.counters.membershipChangesAttempted += 1;
    const text = `${change.type} ${change.id}`;
    this.record(`client asks ${leader.id} to ${text}`);
    leader.actor.deliver({
      type: 'changeMembership',
      change,
      onResult: (result) => {
        this.membershipChangeInFlightSince = null;
        this.record(`${text} on ${leader.id}: ${describe(result)}`);
        if (!result.ok) return;
        this.counters.membershipChanges += 1;
        if (change.type !== 'removeMember') return;
        const removed = this.cluster.node(change.id);
        if (removed !== undefined) this.cluster.retire(removed);
      },
    });
  }

  private chooseMembershipChange(
    configuration: Configuration,
  ):
    | { readonly type: 'addLearner'; readonly id: NodeId; readonly address: string }
    | { readonly type: 'promoteLearner' | 'removeMember'; readonly id: NodeId }
    | null {
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

function describe(result: ProposalResult<unknown>): string {
  return result.ok ? `ok at ${result.index}/${result.term}` : result.reason;
}
