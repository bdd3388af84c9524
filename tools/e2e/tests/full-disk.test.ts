// End-to-end full disks (issue 13 §4) with real raftkvd processes on real small file systems: one
// member's data directory on a tmpfs of a few MiB that a filler file fills while writes run, and one
// member with a 1 MiB LMDB map. The member raises the no-space alarm (status, health, metrics),
// refuses writes with 'no-space' and keeps serving reads, the cluster keeps committing through the
// majority with space, nothing acknowledged is lost, and the alarm clears once space is back.
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

/** Checks the member in the alarm: status, health, metrics, refused writes, served reads. */
async function expectAlarmRaised(
  running: TestCluster,
  reason: 'disk-full' | 'map-full',
  known: readonly [key: string, value: string],
): Promise<void> {
  const http = running.httpUrl(full);
  const health = await eventually(
    async () => {
      const answer = await httpJson(`${http}/health`);
      return answer.body.status === 'no-space' ? answer : undefined;
    },
    { timeoutMs: 30_000, what: `${full} to report the no-space alarm on /health` },
  );
  expect(health.status).toBe(503);
  expect(health.body.reason).toBe(reason);
  const status = await httpJson(`${http}/status`);
  expect(status.body.alarms).toEqual([expect.objectContaining({ alarm: 'no-space', reason })]);
  expect(await alarmMetric(http)).toBe('1');
  const endpoints = running.ids.map((id) => running.clientAddress(id)).join(',');
  const alarms = await raftkvCli([...running.cliKeyArgs(), '--endpoints', endpoints, 'alarm', 'list']);
  expect(alarms.stdout.trim().split('\n').at(-1)?.split(/\s+/).slice(0, 3)).toEqual([
    full,
    'no-space',
    reason,
  ]);
  const cliStatus = await raftkvCli([...running.cliKeyArgs(), '--endpoints', endpoints, 'status']);
  expect(cliStatus.stdout).toMatch(new RegExp(`^${full} .*no-space\\(${reason}\\)$`, 'm'));

  // Writes to the full member are refused with the typed error, over HTTP and the client protocol.
  const refused = await httpJson(`${http}/key`, { method: 'POST', body: JSON.stringify({ refused: 'x' }) });
  expect(refused.status).toBe(507);
  expect(refused.body.code).toBe('no-space');
  const fullOnly = running.client({ endpoints: [running.clientAddress(full)], timeoutMs: 5000 });
  const error = await fullOnly.put('refused', 'x').catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(KvClientError);
  expect((error as KvClientError).code).toBe('no-space');
  const cli = await raftkvCli([
    ...running.cliKeyArgs(),
    '--endpoints',
    running.clientAddress(full),
    'put',
    'refused',
    'x',
  ]);
  expect(cli.code).not.toBe(0);
  expect(cli.stderr).toContain('no-space');

  // Reads keep working through it: it points them at the leader (HTTP forwards, the client follows).
  const [key, value] = known;
  const local = await httpJson(`${http}/key/${key}?consistency=serializable`);
  expect(local).toEqual({ status: 200, body: { [key]: value } });
  const forwarded = await httpJson(`${http}/key/${key}`);
  expect(forwarded).toEqual({ status: 200, body: { [key]: value } });
  const got = await fullOnly.get(key);
  expect(got.found && text(got.keyValue.value)).toBe(value);
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
  it('raises the no-space alarm on the member whose file system fills, refuses its writes, serves reads, loses nothing, and clears once space is freed', async () => {
    cluster = await TestCluster.start({
      size: 3,
      prepareDataDir: (id, dataDir) => {
        if (id === full) mountTmpfs(dataDir, tmpfsMb);
      },
      releaseDataDir: (_id, dataDir) => unmount(dataDir),
    });
    await ensureFollower(cluster, full);
    const client = cluster.client({ timeoutMs: 10_000 });
    writer = startWriter((key, value) => client.put(key, value), 1024);
    await writer.until(20, '20 acknowledged writes before the disk fills');
    const leader = await cluster.waitForLeader(10_000);
    await cluster.waitForApplied(full, leader.commitIndex, 30_000);
    const processBefore = cluster.processes.get(full)!;
    const known = [...writer.acknowledged][0]!;
    expect(await httpJson(`${cluster.httpUrl(full)}/key/${known[0]}?consistency=serializable`)).toEqual({
      status: 200,
      body: { [known[0]]: known[1] },
    });

    const filler = fillUp(cluster.dataDir(full));
    console.log(`filled ${full}'s ${tmpfsMb} MiB tmpfs with a ${filler.bytes}-byte filler`);
    await expectAlarmRaised(cluster, 'disk-full', known);

    // The majority with space still commits (paper §5.3): the cluster takes writes meanwhile.
    const inAlarm = writer.acknowledged.size;
    await writer.until(inAlarm + 20, '20 more acknowledged writes while the member is out of space');
    expect(await alarmMetric(cluster.httpUrl(full))).toBe('1');

    removeFiller(filler.path);
    await eventually(
      async () => {
        const answer = await httpJson(`${cluster!.httpUrl(full)}/health`).catch(() => null);
        return answer?.status === 200 ? true : undefined;
      },
      { timeoutMs: 30_000, what: `${full} to clear the alarm once the filler is gone` },
    );
    await writer.stop();
    console.log(
      `${writer.acknowledged.size} writes acknowledged; refused: ${writer.failed.join(', ') || 'none'}`,
    );
    expect((await httpJson(`${cluster.httpUrl(full)}/status`)).body.alarms).toEqual([]);
    expect(await alarmMetric(cluster.httpUrl(full))).toBe('0');
    // The member recovered in place: the same process, never a crash.
    expect(cluster.processes.get(full)).toBe(processBefore);
    expect(processBefore.alive).toBe(true);

    await expectAllAcknowledged(cluster, full, writer.acknowledged);
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

  it('a leader whose file system fills raises the alarm, the others elect a new leader and take writes, and it rejoins once space is freed', async () => {
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
    writer = startWriter((key, value) => client.put(key, value), 1024);
    await writer.until(20, '20 acknowledged writes before the leader runs out of space');

    const filler = fillUp(cluster.dataDir(full));
    await eventually(
      async () =>
        (await httpJson(`${cluster!.httpUrl(full)}/health`)).body.status === 'no-space' ? true : undefined,
      { timeoutMs: 30_000, what: `${full} to raise the no-space alarm` },
    );
    // A leader that cannot persist its own entries stops; the others elect one of them (paper §5.2).
    const next = await cluster.waitForLeader(10_000, { aboveTerm: leader.term });
    expect(next.id).not.toBe(full);
    const inAlarm = writer.acknowledged.size;
    await writer.until(inAlarm + 20, '20 more acknowledged writes under the new leader');
    const [key, value] = [...writer.acknowledged][0]!;
    const got = await client.get(key);
    expect(got.found && text(got.keyValue.value)).toBe(value);

    removeFiller(filler.path);
    await eventually(
      async () => {
        const answer = await httpJson(`${cluster!.httpUrl(full)}/health`).catch(() => null);
        return answer?.status === 200 ? true : undefined;
      },
      { timeoutMs: 30_000, what: `${full} to clear the alarm once the filler is gone` },
    );
    await writer.stop();
    console.log(
      `${writer.acknowledged.size} writes acknowledged; not acknowledged: ${writer.failed.join(', ') || 'none'}`,
    );
    await expectAllAcknowledged(cluster, full, writer.acknowledged);
  });

  it('raises the no-space alarm when the LMDB map is full, and clears it at a restart with a larger map', async () => {
    cluster = await TestCluster.start({
      size: 3,
      extraFlags: (id) => (id === full ? ['--map-size-mb', '1'] : []),
    });
    await ensureFollower(cluster, full);
    const client = cluster.client({ timeoutMs: 10_000 });
    writer = startWriter((key, value) => client.put(key, value), 4096);
    await writer.until(5, '5 acknowledged writes before the map fills');
    const leader = await cluster.waitForLeader(10_000);
    await cluster.waitForApplied(full, leader.commitIndex, 30_000);
    const known = [...writer.acknowledged][0]!;
    await expectAlarmRaised(cluster, 'map-full', known);
    const inAlarm = writer.acknowledged.size;
    await writer.until(inAlarm + 20, '20 more acknowledged writes while the member is out of space');
    await writer.stop();
    console.log(
      `${writer.acknowledged.size} writes acknowledged; refused: ${writer.failed.join(', ') || 'none'}`,
    );
    // A full map does not empty by itself: the operator restarts the member with a larger map.
    expect(await cluster.kill(full, 'SIGTERM')).toBe(0);
    cluster.restart(full, ['--map-size-mb', '64']);
    await eventually(
      async () => {
        const answer = await httpJson(`${cluster!.httpUrl(full)}/health`).catch(() => null);
        return answer?.status === 200 ? true : undefined;
      },
      { timeoutMs: 30_000, what: `${full} to serve without the alarm after the restart` },
    );
    expect(await alarmMetric(cluster.httpUrl(full))).toBe('0');
    await expectAllAcknowledged(cluster, full, writer.acknowledged);
  });
});
