// Every fault command of `npm run cluster` end to end, each checked by its effect on a real 3-node
// cluster (real raftkvd processes, real proxies, real sockets): split with the leader in the
// minority elects a new leader in the majority; partition isolates the leader likewise; a one-way
// cut of the leader's messages to a follower leaves that follower behind; throttle slows the
// leader's replication; pause freezes a node and resume brings it back; kill and restart keep the
// peer routing; transfer moves leadership; load shows on the dashboard; heal leaves one leader and
// every member caught up.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/cluster-monitor.js';
import { isAlive } from '../src/node-processes.js';
import { type RunningCluster, startCluster, waitFor } from './launcher-harness.js';

let cluster: RunningCluster;

beforeAll(async () => {
  cluster = await startCluster(3);
}, 180_000);

afterAll(async () => {
  await cluster?.dispose();
}, 90_000);

const ids = ['n1', 'n2', 'n3'];

async function snapshot(): Promise<Snapshot> {
  const { dashboard } = cluster.state();
  const token = readFileSync(join(cluster.dataRoot, 'dashboard.token'), 'utf8').trim();
  const response = await fetch(new URL('/api/snapshot', dashboard!), {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await response.json()) as Snapshot;
}

/** Waits (30 s at most) until a member other than `leader` leads. */
async function leaderOtherThan(running: RunningCluster, leader: string, what: string): Promise<void> {
  await waitFor(
    what,
    async () => {
      const reports = await running.reports();
      return reports.some((report) => report.id !== leader && report.status?.role === 'leader')
        ? true
        : undefined;
    },
    30_000,
  );
}

/** Heals, then waits for one agreed leader and every member applied through a fresh write. */
async function healAndCatchUp(): Promise<void> {
  const healed = await cluster.cli('heal');
  expect(healed.code, healed.stderr).toBe(0);
  expect(healed.stdout).toContain('Healed');
  const leader = await cluster.leader();
  const index = await cluster.put('after-heal', leader);
  await waitFor('every member to apply the write after heal', async () => {
    const reports = await cluster.reports();
    const ok = reports.every(
      (report) =>
        report.status !== null && report.status.appliedIndex >= index && report.status.leader?.id === leader,
    );
    return ok ? true : undefined;
  });
  expect((await snapshot()).links.every((link) => !link.cut && !link.throttled)).toBe(true);
}

describe('cluster fault commands', () => {
  it('split with the leader in the minority: the majority elects a new leader; heal: all catch up', async () => {
    const leader = await cluster.leader();
    const others = ids.filter((id) => id !== leader);
    const result = await cluster.cli('split', leader, others.join(','));
    expect(result.code, result.stderr).toBe(0);
    const newLeader = await waitFor(
      'a leader in the majority',
      async () => {
        const reports = await cluster.reports();
        const majority = reports.filter((report) => others.includes(report.id));
        const leading = majority.find((report) => report.status?.role === 'leader');
        return leading !== undefined && majority.every((report) => report.status?.leader?.id === leading.id)
          ? leading.id
          : undefined;
      },
      30_000,
    );
    expect(others).toContain(newLeader);
    await cluster.put('written-in-majority', 'yes', newLeader);
    await healAndCatchUp();
  }, 120_000);

  it('partition the leader: a new leader among the others; heal', async () => {
    const leader = await cluster.leader();
    const result = await cluster.cli('partition', leader);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Isolated ${leader}`);
    const links = (await snapshot()).links.filter((link) => link.cut);
    expect(links).toHaveLength(4);
    await leaderOtherThan(cluster, leader, 'a new leader');
    await healAndCatchUp();
  }, 120_000);

  it("cut one way (the leader's messages to a follower): that follower falls behind; heal", async () => {
    const leader = await cluster.leader();
    const follower = ids.find((id) => id !== leader)!;
    const result = await cluster.cli('cut', leader, follower);
    expect(result.code, result.stderr).toBe(0);
    const cut = (await snapshot()).links.filter((link) => link.cut);
    expect(cut).toEqual([{ from: leader, to: follower, cut: true, throttled: false }]);
    const index = await cluster.put('one-way', 'x', leader);
    // The majority (leader + the other follower) commits; the cut follower cannot hear of it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const report = (await cluster.reports()).find((entry) => entry.id === follower)!;
    expect(report.status === null || report.status.appliedIndex < index).toBe(true);
    await healAndCatchUp();
  }, 120_000);

  it("throttle the leader to 256kbit: a 12 kB write takes at least the link's time; heal", async () => {
    const leader = await cluster.leader();
    const result = await cluster.cli('throttle', leader, '256kbit');
    expect(result.code, result.stderr).toBe(0);
    expect((await snapshot()).links.filter((link) => link.throttled).map((link) => link.from)).toEqual([
      leader,
      leader,
    ]);
    const started = performance.now();
    await cluster.put('throttled', 'v'.repeat(12_000), leader);
    // 12 kB at 32 kB/s after a 1.6 kB burst: no follower can hold it sooner than ~325 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    const refused = await cluster.cli('throttle', leader, 'fast');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('256kbit');
    await healAndCatchUp();
  }, 120_000);

  it('pause the leader: it shows paused and another leads; resume: it rejoins and catches up', async () => {
    const leader = await cluster.leader();
    const paused = await cluster.cli('pause', leader);
    expect(paused.code, paused.stderr).toBe(0);
    await waitFor('the dashboard to show it paused', async () =>
      (await snapshot()).members.find((member) => member.id === leader)?.state === 'paused'
        ? true
        : undefined,
    );
    await leaderOtherThan(cluster, leader, 'a new leader');
    const again = await cluster.cli('pause', leader);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already paused');
    const resumed = await cluster.cli('resume', leader);
    expect(resumed.code, resumed.stderr).toBe(0);
    await healAndCatchUp();
  }, 120_000);

  it('kill and restart a follower: it comes back through the proxies and catches up', async () => {
    const leader = await cluster.leader();
    const follower = ids.find((id) => id !== leader)!;
    expect((await cluster.cli('kill', follower)).code).toBe(0);
    const index = await cluster.put('while-down', 'x', leader);
    expect((await cluster.cli('restart', follower)).code).toBe(0);
    const node = cluster.state().nodes.find((entry) => entry.id === follower)!;
    const cmdline = readFileSync(`/proc/${node.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toContain('--peer-dial-addr');
    await waitFor('the restarted follower to catch up', async () => {
      const report = (await cluster.reports()).find((entry) => entry.id === follower);
      return report?.status !== null && (report?.status?.appliedIndex ?? 0) >= index ? true : undefined;
    });
    // Its inbound links still go through the proxies: isolating it leaves it without a leader.
    expect((await cluster.cli('partition', follower)).code).toBe(0);
    await waitFor(
      'the isolated follower to lose its leader',
      async () => {
        const report = (await cluster.reports()).find((entry) => entry.id === follower);
        return report?.status?.leader === null ? true : undefined;
      },
      30_000,
    );
    await healAndCatchUp();
  }, 120_000);

  it('transfer: the named follower becomes the leader (thesis §3.10)', async () => {
    const leader = await cluster.leader();
    const target = ids.find((id) => id !== leader)!;
    const result = await cluster.cli('transfer', target);
    expect(result.code, result.stderr).toBe(0);
    expect(await cluster.leader()).toBeDefined();
    await waitFor(
      `${target} to lead`,
      async () => ((await cluster.leader()) === target ? true : undefined),
      30_000,
    );
    const again = await cluster.cli('transfer', target);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`${target} already leads`);
  }, 120_000);

  it('load on: the dashboard shows writes and reads per second; load off', async () => {
    const on = await cluster.cli('load', 'on');
    expect(on.code, on.stderr).toBe(0);
    const seen = await waitFor(
      'load on the dashboard',
      async () => {
        const picture = await snapshot();
        const busy = picture.seconds.filter((second) => second.writes > 0 && second.reads > 0);
        return picture.load && busy.length >= 2 && picture.minute.p99Ms !== null ? picture : undefined;
      },
      30_000,
    );
    expect(seen.minute.p50Ms!).toBeLessThanOrEqual(seen.minute.p99Ms!);
    expect(seen.events.some((event) => event.kind === 'load')).toBe(true);
    expect((await cluster.cli('load', 'off')).code).toBe(0);
    expect((await snapshot()).load).toBe(false);
  }, 120_000);

  it('refuses unknown nodes and bad groups with a clear message, and stops cleanly', async () => {
    const unknown = await cluster.cli('partition', 'n9');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no node n9');
    const overlap = await cluster.cli('split', 'n1,n2', 'n2,n3');
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toContain('two groups');
    const pids = cluster.state().nodes.map((node) => node.pid);
    expect(await cluster.stop()).toBe(0);
    expect(pids.filter((pid) => pid !== null && isAlive(pid))).toEqual([]);
    // With the launcher gone, the network faults say what they need.
    const after = await cluster.cli('heal');
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('npm start');
  }, 120_000);

  it('an existing cluster whose state file predates the proxies gets them on its next start', async () => {
    // What an older launcher left: no peerDialAddr, no dashboard (this launcher removes both at exit).
    const left = cluster.state();
    expect(left.peerDialAddr).toBeUndefined();
    expect(left.dashboard ?? null).toBeNull();
    const { peerDialAddr: _unused, dashboard: _none, ...older } = left;
    writeFileSync(join(cluster.dataRoot, 'cluster.json'), `${JSON.stringify(older, null, 2)}\n`);
    const restarted = await startCluster(3, cluster.dataRoot);
    cluster = restarted;
    expect(restarted.output()).toContain('Restarting 3 nodes');
    const leader = await restarted.leader();
    const result = await restarted.cli('partition', leader);
    expect(result.code, result.stderr).toBe(0);
    await leaderOtherThan(restarted, leader, 'a new leader after isolating the old one');
    await healAndCatchUp();
  }, 180_000);
});
