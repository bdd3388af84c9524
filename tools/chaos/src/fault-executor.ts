// Carries out one planned fault on the live cluster: picks concrete targets (who leads now, which
// nodes), injects the fault, holds it, heals it, and records what happened. Faults act on processes
// (SIGKILL, SIGSTOP/SIGCONT, restart) and on the harness's link proxies (cuts, throttles); never
// inside a node.
import { KvClient, KvClientError } from '@raftkv/client';
import { bridge, isolate, oneWay, splitMajorityMinority, throttleShape } from '@raftkv/link-proxy';
import { pause } from '@raftkv/testkit';
import type { ChaosCluster } from './chaos-cluster.js';
import type { FaultFamily, FaultKind, PlannedFault } from './fault-plan.js';
import type { SeededRandom } from './seeded-random.js';

export interface FaultEvent {
  readonly kind: FaultKind;
  readonly family: FaultFamily;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly targets: readonly string[];
  /** What was done, or why it could not be (e.g. no spare id left). */
  readonly detail: string;
}

export interface FaultContext {
  readonly cluster: ChaosCluster;
  readonly random: SeededRandom;
  readonly now: () => number;
  /** The cluster's base size: removals never take it below this. */
  readonly nodes: number;
  /** The rate a throttled link is shaped to, in kbit/s. */
  readonly throttleKbitPerSecond: number;
  /** Called after a membership change with the members' client addresses. */
  readonly onMembershipChanged: (endpoints: readonly string[]) => void;
}

const membershipSettleMs = 30_000;

export async function executeFault(planned: PlannedFault, context: FaultContext): Promise<FaultEvent> {
  const plannedStart = context.now();
  const { targets, detail, startedAt } = await inject(planned, context);
  return {
    kind: planned.kind,
    family: planned.family,
    startedAt: startedAt ?? plannedStart,
    endedAt: context.now(),
    targets,
    detail,
  };
}

/** What a fault did; `startedAt` when it took effect later than planned (it waited for a leader). */
interface Injected {
  readonly targets: string[];
  readonly detail: string;
  readonly startedAt?: number;
}

async function inject(planned: PlannedFault, context: FaultContext): Promise<Injected> {
  const { cluster, random } = context;
  const members = cluster.memberIds();
  const leaderId = async (): Promise<string> =>
    (await cluster.currentLeader())?.id ??
    random.pick(cluster.responsiveIds().length > 0 ? cluster.responsiveIds() : members);
  switch (planned.kind) {
    case 'kill-leader':
      return killAndRestart([await leaderId()], planned.holdMs, cluster);
    case 'kill-random':
      return killAndRestart([random.pick(members)], planned.holdMs, cluster);
    case 'kill-minority':
      return killAndRestart(
        random.shuffle(members).slice(0, Math.max(1, Math.floor((members.length - 1) / 2))),
        planned.holdMs,
        cluster,
      );
    case 'kill-all':
      return killAndRestart(members, planned.holdMs, cluster);
    case 'pause-leader': {
      const target = await leaderId();
      cluster.pauseProcess(target);
      await pause(planned.holdMs);
      cluster.resumeProcess(target);
      return { targets: [target], detail: `SIGSTOP ${target} for ${planned.holdMs} ms, then SIGCONT` };
    }
    case 'isolate-leader': {
      const target = await leaderId();
      return holdPartition(cluster, isolate(target, members), planned.holdMs, [target], `isolated ${target}`);
    }
    case 'split-majority-minority': {
      const split = splitMajorityMinority(random.shuffle(members));
      const detail = `${split.minority.join(',')} | ${split.majority.join(',')}`;
      return holdPartition(cluster, split.blocked, planned.holdMs, split.minority, detail);
    }
    case 'bridge': {
      const cut = bridge(random.shuffle(members));
      return holdPartition(
        cluster,
        cut.blocked,
        planned.holdMs,
        [cut.bridgeNode],
        `bridge through ${cut.bridgeNode}`,
      );
    }
    case 'one-way-cut': {
      const target = await leaderId();
      const direction = random.pick(['outbound', 'inbound'] as const);
      return holdPartition(
        cluster,
        oneWay(target, members, direction),
        planned.holdMs,
        [target],
        `${target} ${direction} cut`,
      );
    }
    case 'flapping':
      return flap(context, members, planned.holdMs);
    case 'throttle-leader':
      return throttleLeader(context, planned.holdMs);
    case 'add-node':
      return addNode(context);
    case 'remove-node':
    case 'remove-leader': {
      const leader = await leaderId();
      const target =
        planned.kind === 'remove-leader' ? leader : random.pick(members.filter((id) => id !== leader));
      return removeNode(context, target);
    }
  }
}

async function killAndRestart(
  targets: string[],
  holdMs: number,
  cluster: ChaosCluster,
): Promise<{ targets: string[]; detail: string }> {
  await Promise.all(targets.map((id) => cluster.kill(id)));
  await pause(holdMs);
  await Promise.all(targets.map((id) => cluster.restart(id)));
  return { targets, detail: `SIGKILL ${targets.join(',')}; restarted after ${holdMs} ms` };
}

async function holdPartition(
  cluster: ChaosCluster,
  blocked: ReadonlySet<`${string}>${string}`>,
  holdMs: number,
  targets: string[],
  detail: string,
): Promise<{ targets: string[]; detail: string }> {
  cluster.network.apply(blocked);
  await pause(holdMs);
  cluster.network.heal();
  return { targets, detail: `${detail} (${blocked.size} links cut) for ${holdMs} ms` };
}

/**
 * A gray failure: the leader's outbound peer links keep working, only slowly (a token bucket in
 * each link proxy). The node stays up and answers; only its throughput to its followers collapses.
 * It waits for a leader first (after a kill-all there may be none for seconds), so that the report
 * measures the recovery from a throttled leader, not from the fault before; it starts then.
 */
async function throttleLeader(context: FaultContext, holdMs: number): Promise<Injected> {
  const { cluster, throttleKbitPerSecond, random, now } = context;
  const leader = await cluster.waitForLeader(10_000);
  const target = leader?.id ?? random.pick(cluster.memberIds());
  const startedAt = now();
  const dropsBefore = cluster.network.throttleDrops();
  const links = cluster.network.throttleFrom(target, throttleShape(throttleKbitPerSecond));
  await pause(holdMs);
  cluster.network.unthrottle();
  const drops = cluster.network.throttleDrops() - dropsBefore;
  return {
    targets: [target],
    startedAt,
    detail: `${target}'s ${links} outbound peer links shaped to ${throttleKbitPerSecond} kbit/s for ${holdMs} ms (${drops} connections dropped at a full queue)${leader === null ? '; no leader within 10 s, so a random member' : ''}`,
  };
}

/** Partitions that come and go every 0.3–1 s for the hold time (isolating one node, or a split). */
async function flap(
  context: FaultContext,
  members: string[],
  holdMs: number,
): Promise<{ targets: string[]; detail: string }> {
  const { cluster, random, now } = context;
  const deadline = now() + holdMs;
  let flips = 0;
  while (now() < deadline) {
    flips += 1;
    if (flips % 2 === 0) cluster.network.heal();
    else if (random.chance(0.5)) cluster.network.apply(isolate(random.pick(members), members));
    else cluster.network.apply(splitMajorityMinority(random.shuffle(members)).blocked);
    await pause(random.between(300, 1000));
  }
  cluster.network.heal();
  return { targets: members, detail: `${flips} partition flips over ${holdMs} ms` };
}

async function addNode(context: FaultContext): Promise<{ targets: string[]; detail: string }> {
  const { cluster } = context;
  const spare = cluster.nextSpare();
  if (spare === null) return { targets: [], detail: 'skipped: no spare id left' };
  const leader = await cluster.waitForLeader(10_000);
  const via = cluster.httpUrl(leader?.id ?? cluster.memberIds()[0] ?? spare);
  await cluster.join(spare, via);
  const voter = await waitForMembership(cluster, spare, 'voter');
  if (!voter && !(await isInConfiguration(cluster, spare))) {
    await cluster.retire(spare);
    return { targets: [spare], detail: `${spare} could not join: ${cluster.logTail(spare, 1)}` };
  }
  context.onMembershipChanged(cluster.memberClientAddresses());
  return {
    targets: [spare],
    detail: voter ? `${spare} joined and was promoted to voter` : `${spare} joined, not a voter yet`,
  };
}

async function isInConfiguration(cluster: ChaosCluster, id: string): Promise<boolean> {
  const leader = await cluster.waitForLeader(10_000);
  return leader?.members.some((member) => member.id === id) === true;
}

async function removeNode(
  context: FaultContext,
  target: string,
): Promise<{ targets: string[]; detail: string }> {
  const { cluster } = context;
  if (cluster.memberIds().length <= context.nodes) {
    return { targets: [], detail: 'skipped: the cluster is at its base size' };
  }
  const admin = new KvClient({ endpoints: cluster.memberClientAddresses(), timeoutMs: 10_000 });
  let answer = 'ok';
  try {
    await admin.removeMember(target);
  } catch (error) {
    answer = error instanceof KvClientError ? error.code : (error as Error).message;
  } finally {
    admin.close();
  }
  const removed = await waitForMembership(cluster, target, 'absent');
  if (!removed) return { targets: [target], detail: `removal of ${target} did not take effect (${answer})` };
  await cluster.retire(target);
  context.onMembershipChanged(cluster.memberClientAddresses());
  return { targets: [target], detail: `removed ${target} (answer: ${answer}), then stopped it` };
}

/** Polls the leader's /status until `id` is a voter (or absent from the configuration). */
async function waitForMembership(
  cluster: ChaosCluster,
  id: string,
  want: 'voter' | 'absent',
): Promise<boolean> {
  const deadline = Date.now() + membershipSettleMs;
  while (Date.now() < deadline) {
    if (want === 'voter' && !cluster.isRunning(id)) return false;
    const leader = await cluster.currentLeader();
    const member = leader?.members.find((candidate) => candidate.id === id);
    if (leader !== null && (want === 'absent' ? member === undefined : member?.role === 'voter')) return true;
    await pause(100);
  }
  return false;
}
