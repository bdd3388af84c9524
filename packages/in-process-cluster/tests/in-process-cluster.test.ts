// InProcessCluster runs a state machine through elections, a stopped and restarted leader, an
// isolated leader and compaction, deterministically per seed (each test names its seeds).
import { type NodeId, nodeId } from '@raftkv/raft';
import { describe, expect, test } from 'vitest';
import { InProcessCluster } from '../src/index.js';
import { Counter } from './counter.js';

const seeds = [1, 2, 3, 4, 5];

function counterCluster(seed: number, members = 3) {
  return InProcessCluster.start<'total', number | undefined>({
    members,
    seed,
    stateMachine: () => new Counter(),
  });
}

const totals = (cluster: InProcessCluster<'total', number | undefined>, ids: readonly NodeId[]) =>
  ids.map((id) => (cluster.stateMachine(id) as Counter).total);

describe('InProcessCluster', () => {
  test.each(seeds)('seed %i: elects a leader and applies a proposal on every member', (seed) => {
    const cluster = counterCluster(seed);
    expect(cluster.propose(Uint8Array.of(5))).toMatchObject({ ok: true, result: 5 });
    cluster.tick(3); // followers learn the commit index with the next heartbeat
    expect(totals(cluster, cluster.ids), `seed ${seed}`).toEqual([5, 5, 5]);
    expect(cluster.read('total')).toMatchObject({ ok: true, result: 5 });
    cluster.close();
  });

  test.each(seeds)('seed %i: survives its leader stopping and catches the leader up on restart', (seed) => {
    const cluster = counterCluster(seed);
    expect(cluster.propose(Uint8Array.of(2))).toMatchObject({ ok: true, result: 2 });
    const first = cluster.leader()!;
    cluster.stop(first);
    const second = cluster.awaitLeader();
    expect(second, `seed ${seed}`).not.toBe(first);
    expect(cluster.propose(Uint8Array.of(3))).toMatchObject({ ok: true, result: 5 });

    cluster.restart(first); // a new, empty Counter: the log re-applies both entries
    cluster.tickUntil(
      () => (cluster.stateMachine(first) as Counter).total === 5,
      'catch-up of the restarted member',
    );
    expect(totals(cluster, cluster.ids), `seed ${seed}`).toEqual([5, 5, 5]);
    cluster.close();
  });

  test.each(seeds)('seed %i: an isolated leader is replaced; after healing it follows', (seed) => {
    const cluster = counterCluster(seed, 5);
    const first = cluster.awaitLeader();
    cluster.isolate(first);
    const second = cluster.awaitLeader();
    expect(second, `seed ${seed}`).not.toBe(first);
    expect(cluster.propose(Uint8Array.of(7))).toMatchObject({ ok: true, result: 7 });
    cluster.heal();
    cluster.tickUntil(
      () => (cluster.stateMachine(first) as Counter).total === 7,
      'catch-up of the healed member',
    );
    expect(cluster.actor(first).status().role).toBe('follower');
    cluster.close();
  });

  test('the same seed replays the same run', () => {
    const run = () => {
      const cluster = counterCluster(9);
      const leader = cluster.awaitLeader();
      cluster.close();
      return { leader, ticks: cluster.elapsedTicks };
    };
    expect(run()).toEqual(run());
  });

  test('with compaction, a member restarted empty is restored from a snapshot', () => {
    const cluster = InProcessCluster.start<'total', number | undefined>({
      seed: 11,
      stateMachine: () => new Counter(),
      compaction: { thresholdEntries: 4, trailingEntries: 0 },
    });
    const leader = cluster.awaitLeader();
    const follower = cluster.ids.find((id) => id !== leader)!;
    cluster.stop(follower);
    for (let i = 0; i < 10; i += 1) expect(cluster.propose(Uint8Array.of(1)).ok).toBe(true);
    cluster.restart(follower);
    cluster.tickUntil(() => (cluster.stateMachine(follower) as Counter).total === 10, 'snapshot catch-up');
    cluster.close();
  });

  test('a wait that cannot succeed fails with its seed, bounded in ticks', () => {
    const cluster = counterCluster(3);
    for (const id of cluster.ids) cluster.stop(id);
    expect(() => cluster.awaitLeader(50)).toThrow(/no leader after 50 ticks \(seed 3\)/);
    expect(cluster.elapsedTicks).toBe(50);
  });

  test('rejects a bad size and an unknown member with a clear error', () => {
    expect(() => counterCluster(1, 0)).toThrow(/positive integer/);
    const cluster = counterCluster(1);
    expect(() => cluster.stop(nodeId('n9'))).toThrow(/no member n9/);
    expect(() => cluster.restart(cluster.ids[0]!)).toThrow(/is running/);
  });
});
