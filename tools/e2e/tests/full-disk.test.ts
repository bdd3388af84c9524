// End-to-end full disks (issue 13 §4) with real raftkvd processes on real small file systems: one
// member's data directory on a tmpfs of a few MiB that a filler file fills while writes run, and one
// member with a 1 MiB LMDB map. The member raises its no-space alarm and has the cluster record it
// (etcd's NOSPACE): then EVERY member refuses writes that add data with 'no-space' while deletes and
// reads keep working, nothing acknowledged is lost, and once space is freed the member clears the
// alarm cluster-wide and writes resume.
import { KvClientError } from '@raftkv/client';
import { eventually, killAllRaftkvd, pause } from '@raftkv/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { raftkvCli } from '../src/raftkv-cli.js';
import { fillUp, mountTmpfs, removeFiller, unmount } from '../src/small-file-system.js';
import { TestCluster } from '../src/test-cluster.js';

let cluster: TestCluster | undefined;
let writer: Writer | undefined;

afterEach(async () => {
  await writer?.stop().catch(() => {}); // the test has failed already; cleanup goes on
  writer = undefined;
  await cluster?.stop();
  cluster = undefined;
  await killAllRaftkvd();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
/** The member whose storage fills up. */
const full = 'n3';
const tmpfsMb = 8;

type Writer = ReturnType<typeof startWriter>;

/**
 * Writes key-0, key-1, … through `put` until stopped; remembers which writes were acknowledged. A
 * refused write pauses briefly, so a client that fails at once never starves the event loop.
 */
function startWriter(put: (key: string, value: string) => Promise<unknown>, valueBytes = 64) {
  const acknowledged = new Map<string, string>();
  const failed: string[] = [];
  let running = true;
  const done = (async () => {
    for (let index = 0; running; index += 1) {
      const key = `key-${index}`;
      const value = `value-${index}-`.padEnd(valueBytes, 'x');
      try {
        await put(key, value);
        acknowledged.set(key, value);
      } catch (error) {
        if (!(error instanceof KvClientError) || error.code === 'closed') throw error;
        failed.push(`${key}: ${error.code}`);
        await pause(20);
      }
    }
  })();
  return {
    acknowledged,
    failed,
    async stop() {
      running = false;
      await done;
    },
    async until(count: number, what: string) {
      await eventually(async () => (acknowledged.size >= count ? true : undefined), {
        timeoutMs: 30_000,
        what,
      });
    },
  };
}

async function httpJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    ...init,
    headers: cluster?.httpHeaders(),
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function alarmMetric(httpUrl: string): Promise<string | undefined> {
  const response = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  const metrics = await response.text();
  return /^raftkv_alarm\{[^}]*alarm="no-space"[^}]*\} (\d+)$/m.exec(metrics)?.[1];
}

/** Makes sure `id` is not the leader, so its linearizable reads go to a leader with space. */
async function ensureFollower(running: TestCluster, id: string): Promise<void> {
  const leader = await running.waitForLeader(10_000);
  if (leader.id !== id) return;
  const to = running.ids.find((other) => other !== id)!;
  await running.client().transferLeadership(to);
  await running.waitForLeader(10_000, { aboveTerm: leader.term });
}

interface ClusterAlarm {
  readonly member: string;
  readonly alarm: string;
  readonly reason: string;
  readonly since: string;
}

/** The cluster's alarms as member `id` has applied them (its /status), or null while it cannot say. */
async function clusterAlarmsOn(running: TestCluster, id: string): Promise<ClusterAlarm[] | null> {
  const answer = await httpJson(`${running.httpUrl(id)}/status`).catch(() => null);
  return answer?.status === 200 ? (answer.body.clusterAlarms as ClusterAlarm[]) : null;
}

/** Waits until every member in `ids` has applied the full member's alarm (or, with `none`, no alarm). */
async function untilAppliedOn(
  running: TestCluster,
  ids: readonly string[],
  expected: 'recorded' | 'none',
): Promise<void> {
  await eventually(
    async () => {
      for (const id of ids) {
        const alarms = await clusterAlarmsOn(running, id);
        const members = alarms?.map((alarm) => alarm.member);
        if (members === undefined) return undefined;
        if (expected === 'none' ? members.length > 0 : members.join() !== full) return undefined;
      }
      return true;
    },
    {
      timeoutMs: 30_000,
      what: `${expected === 'none' ? 'no alarm' : `${full}'s alarm`} applied on ${ids.join(', ')}`,
    },
  );
}

/**
 * The full member raised its own alarm (status, health, metrics, CLI) and the cluster recorded it:
 * EVERY member refuses writes that add data, over HTTP (507), the client protocol and the CLI, while
 * reads of either consistency and deletes work. Reads through the full member are checked only when
 * it stopped as a follower: it points them at the leader it knew, and a leader that stopped knew none.
 */
async function expectClusterAlarm(
  running: TestCluster,
  reason: 'disk-full' | 'map-full',
  known: readonly [key: string, value: string],
  doomed: string,
  readsThroughFull: boolean,
): Promise<void> {
  const http = running.httpUrl(full);
  const health = await eventually(
    async () => {
      const answer = await httpJson(`${http}/health`);
      return answer.body.status === 'no-space' && answer.body.reason === reason ? answer : undefined;
    },
    { timeoutMs: 30_000, what: `${full} to report its no-space alarm on /health` },
  );
  expect(health.status).toBe(503);
  const status = await httpJson(`${http}/status`);
  expect(status.body.alarms).toEqual([expect.objectContaining({ alarm: 'no-space', reason })]);
  expect(await alarmMetric(http)).toBe('1');

  const others = running.ids.filter((id) => id !== full);
  await untilAppliedOn(running, others, 'recorded');
  const endpoints = running.ids.map((id) => running.clientAddress(id)).join(',');
  const alarms = await raftkvCli([...running.cliKeyArgs(), '--endpoints', endpoints, 'alarm', 'list']);
  expect(alarms.stdout.trim().split('\n').at(-1)?.split(/\s+/)).toEqual([
    full,
    'no-space',
    reason,
    expect.any(String),
    'active',
    'raised',
  ]);
  const cliStatus = await raftkvCli([...running.cliKeyArgs(), '--endpoints', endpoints, 'status']);
  expect(cliStatus.stdout).toMatch(new RegExp(`^${full} .*no-space\\(${reason}\\)$`, 'm'));

  const [key, value] = known;
  for (const id of running.ids) {
    const memberHttp = running.httpUrl(id);
    // Writes through every member are refused with the typed error, over HTTP, the client protocol
    // and the CLI; the member in the alarm refuses them itself, the others because the cluster
    // recorded the alarm.
    const refused = await httpJson(`${memberHttp}/key`, {
      method: 'POST',
      body: JSON.stringify({ refused: 'x' }),
    });
    expect(refused.status, `POST /key on ${id}`).toBe(507);
    expect(refused.body.code).toBe('no-space');
    const only = running.client({ endpoints: [running.clientAddress(id)], timeoutMs: 5000 });
    const error = await only.put('refused', 'x').catch((caught: unknown) => caught);
    expect(error, `put through ${id}`).toBeInstanceOf(KvClientError);
    expect((error as KvClientError).code).toBe('no-space');
    const cli = await raftkvCli([
      ...running.cliKeyArgs(),
      '--endpoints',
      running.clientAddress(id),
      'put',
      'refused',
      'x',
    ]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('no-space');
    if (id !== full) {
      expect((await httpJson(`${memberHttp}/health`)).body).toMatchObject({
        status: 'no-space',
        alarms: [expect.objectContaining({ member: full, reason })],
      });
      const metrics = await (
        await fetch(`${memberHttp}/metrics`, { signal: AbortSignal.timeout(5000) })
      ).text();
      expect(metrics).toMatch(
        new RegExp(`^raftkv_cluster_alarm\\{member="${full}",alarm="no-space"[^}]*\\} 1$`, 'm'),
      );
    }

    // Reads keep working through every member (the full one points them at the leader).
    if (id === full && !readsThroughFull) continue;
    const local = await httpJson(`${memberHttp}/key/${key}?consistency=serializable`);
    expect(local, `serializable read on ${id}`).toEqual({ status: 200, body: { [key]: value } });
    // A member forwards a linearizable read to the leader it knows; one that learns of a newer leader
    // on the way answers 503 with Retry-After, as a leader change allows: retry, bounded.
    const forwarded = await eventually(
      async () => {
        const answer = await httpJson(`${memberHttp}/key/${key}`);
        return answer.status === 503 ? undefined : answer;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: `a linearizable read through ${id}` },
    );
    expect(forwarded, `linearizable read through ${id}`).toEqual({ status: 200, body: { [key]: value } });
    const got = await only.get(key);
    expect(got.found && text(got.keyValue.value)).toBe(value);
  }
  // Deletes still run: they free space rather than take it (etcd's NOSPACE lets them through).
  const deleted = await running.client({ timeoutMs: 10_000 }).delete(doomed);
  expect(deleted.deleted).toBe(true);
}

/**
 * Once the alarm is applied everywhere the writer's puts end 'no-space': at most the one put it had
 * in flight may still be acknowledged.
 */
async function expectWriterRefused(running: Writer): Promise<void> {
  const acknowledged = running.acknowledged.size;
  const refusedBefore = running.failed.filter((failure) => failure.endsWith('no-space')).length;
  await eventually(
    async () =>
      running.failed.filter((failure) => failure.endsWith('no-space')).length >= refusedBefore + 5
        ? true
        : undefined,
    { timeoutMs: 30_000, what: "5 more of the writer's puts refused with no-space" },
  );
  expect(running.acknowledged.size).toBeLessThanOrEqual(acknowledged + 1);
}

/** The full member cleared its alarm cluster-wide: every member healthy, no alarm anywhere. */
/** Once the alarm has cleared: 20 more writes are acknowledged, then the writer stops. */
async function expectWritesResume(running: Writer): Promise<void> {
  const resumed = running.acknowledged.size;
  await running.until(resumed + 20, '20 more acknowledged writes once the alarm cleared');
  await running.stop();
  console.log(
    `${running.acknowledged.size} writes acknowledged; refused or unknown: ${running.failed.length} (${running.failed.slice(0, 3).join(', ')}, ...)`,
  );
}

async function expectAlarmCleared(running: TestCluster): Promise<void> {
  await eventually(
    async () => {
      for (const id of running.ids) {
        const answer = await httpJson(`${running.httpUrl(id)}/health`).catch(() => null);
        if (answer?.status !== 200) return undefined;
      }
      return true;
    },
    { timeoutMs: 60_000, what: 'every member healthy once the alarm clears cluster-wide' },
  );
  await untilAppliedOn(running, running.ids, 'none');
  for (const id of running.ids) {
    expect((await httpJson(`${running.httpUrl(id)}/status`)).body.alarms).toEqual([]);
  }
  expect(await alarmMetric(running.httpUrl(full))).toBe('0');
  const endpoints = running.ids.map((id) => running.clientAddress(id)).join(',');
  expect((await raftkvCli([...running.cliKeyArgs(), '--endpoints', endpoints, 'alarm', 'list'])).stdout).toBe(
    '',
  );
}

/** Every acknowledged write is in `id`'s own applied state (a serializable read on it). */
async function expectAllAcknowledged(
  running: TestCluster,
  id: string,
  acknowledged: ReadonlyMap<string, string>,
): Promise<void> {
  const leader = await running.waitForLeader(10_000);
  await running.waitForApplied(id, leader.commitIndex, 30_000);
  const client = running.client({ endpoints: [running.clientAddress(id)], timeoutMs: 5000 });
  for (const [key, value] of acknowledged) {
    const got = await client.get(key, { consistency: 'serializable' });
    expect(got.found && text(got.keyValue.value), `${key} on ${id}`).toBe(value);
  }
}

describe('a full disk', () => {
  it("one member's full file system makes the whole cluster refuse writes that add data, reads and deletes keep working, nothing acknowledged is lost, and writes resume once space is freed", async () => {
    cluster = await TestCluster.start({
      size: 3,
      prepareDataDir: (id, dataDir) => {
        if (id === full) mountTmpfs(dataDir, tmpfsMb);
      },
      releaseDataDir: (_id, dataDir) => unmount(dataDir),
    });
    await ensureFollower(cluster, full);
    const client = cluster.client({ timeoutMs: 10_000 });
    await client.put('doomed', 'deleted under the alarm');
    writer = startWriter((key, value) => client.put(key, value), 1024);
    await writer.until(20, '20 acknowledged writes before the disk fills');
    const leader = await cluster.waitForLeader(10_000);
    await cluster.waitForApplied(full, leader.commitIndex, 30_000);
    const processBefore = cluster.processes.get(full)!;
    const known = [...writer.acknowledged][0]!;

    const filler = fillUp(cluster.dataDir(full));
    console.log(`filled ${full}'s ${tmpfsMb} MiB tmpfs with a ${filler.bytes}-byte filler`);
    await expectClusterAlarm(cluster, 'disk-full', known, 'doomed', true);
    await expectWriterRefused(writer);

    removeFiller(filler.path);
    await expectAlarmCleared(cluster);
    await expectWritesResume(writer);
    // The member recovered in place: the same process, never a crash.
    expect(cluster.processes.get(full)).toBe(processBefore);
    expect(processBefore.alive).toBe(true);

    for (const id of cluster.ids) await expectAllAcknowledged(cluster, id, writer.acknowledged);
    expect((await client.get('doomed')).found).toBe(false);
    const fullOnly = cluster.client({ endpoints: [cluster.clientAddress(full)], timeoutMs: 10_000 });
    await fullOnly.put('after-the-alarm', 'written');
    const accepted = await httpJson(`${cluster.httpUrl(full)}/key`, {
      method: 'POST',
      body: JSON.stringify({ 'after-the-alarm-http': 'written' }),
    });
    expect(accepted.status).toBe(200);
    expect(
      text(((await client.get('after-the-alarm')) as { keyValue: { value: Uint8Array } }).keyValue.value),
    ).toBe('written');
  });

  it('a leader whose file system fills stops, the others elect a new leader that records its alarm, and writes resume once space is freed', async () => {
    cluster = await TestCluster.start({
      size: 3,
      prepareDataDir: (id, dataDir) => {
        if (id === full) mountTmpfs(dataDir, tmpfsMb);
      },
      releaseDataDir: (_id, dataDir) => unmount(dataDir),
    });
    const first = await cluster.waitForLeader(10_000);
    if (first.id !== full) {
      await cluster.client().transferLeadership(full);
      await cluster.waitForLeader(10_000, { aboveTerm: first.term });
    }
    const leader = await cluster.waitForLeader(10_000);
    expect(leader.id).toBe(full);
    const client = cluster.client({ timeoutMs: 10_000 });
    await client.put('doomed', 'deleted under the alarm');
    writer = startWriter((key, value) => client.put(key, value), 1024);
    await writer.until(20, '20 acknowledged writes before the leader runs out of space');

    const filler = fillUp(cluster.dataDir(full));
    // A leader that cannot persist its own entries stops; the others elect one of them (paper §5.2),
    // and the full member sends its alarm to it.
    const next = await cluster.waitForLeader(15_000, { aboveTerm: leader.term });
    expect(next.id).not.toBe(full);
    const known = [...writer.acknowledged][0]!;
    await expectClusterAlarm(cluster, 'disk-full', known, 'doomed', false);
    await expectWriterRefused(writer);

    removeFiller(filler.path);
    await expectAlarmCleared(cluster);
    await expectWritesResume(writer);
    for (const id of cluster.ids) await expectAllAcknowledged(cluster, id, writer.acknowledged);
  });

  it('a full LMDB map raises the alarm cluster-wide, and it clears at a restart with a larger map', async () => {
    cluster = await TestCluster.start({
      size: 3,
      extraFlags: (id) => (id === full ? ['--map-size-mb', '1'] : []),
    });
    await ensureFollower(cluster, full);
    const client = cluster.client({ timeoutMs: 10_000 });
    await client.put('doomed', 'deleted under the alarm');
    writer = startWriter((key, value) => client.put(key, value), 4096);
    await writer.until(5, '5 acknowledged writes before the map fills');
    const leader = await cluster.waitForLeader(10_000);
    await cluster.waitForApplied(full, leader.commitIndex, 30_000);
    const known = [...writer.acknowledged][0]!;
    await expectClusterAlarm(cluster, 'map-full', known, 'doomed', true);
    await expectWriterRefused(writer);
    // A full map does not empty by itself: the operator restarts the member with a larger map.
    expect(await cluster.kill(full, 'SIGTERM')).toBe(0);
    cluster.restart(full, ['--map-size-mb', '64']);
    await expectAlarmCleared(cluster);
    await expectWritesResume(writer);
    for (const id of cluster.ids) await expectAllAcknowledged(cluster, id, writer.acknowledged);
  });
});
