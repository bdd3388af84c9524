// One real raftkvd OS process: bad flags exit 2 with a clear message; bootstrap, put and get over
// HTTP, SIGTERM exits 0, and a restart with only --data-dir keeps identity and data; a damaged
// write-ahead log is refused with exit 1 and a message that names the file and says what to do; a
// full LMDB map raises the no-space alarm (the process stays up) until a restart with a larger map.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flipByteInWalSegment } from '@raftkv/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { readIdentity } from '../src/identity.js';
import { anyPorts, fastTiming, freePorts, waitFor } from './support/nodes.js';

const packageRoot = join(import.meta.dirname, '..');
const children = new Set<ChildProcess>();
const directories: string[] = [];

afterEach(() => {
  for (const child of children)
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  children.clear();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

interface Finished {
  readonly code: number | null;
  readonly stderr: string;
}

function raftkvd(argv: string[]): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(
    process.execPath,
    ['--conditions=@raftkv/source', '--import', 'tsx', join(packageRoot, 'src/main.ts'), ...argv],
    { cwd: packageRoot, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const finished = new Promise<Finished>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  return { child, finished };
}

async function healthyHttp(dataDir: string): Promise<string> {
  const http = await waitFor('raftkvd to write its identity', () => {
    try {
      return readIdentity(dataDir)?.advertise.http;
    } catch {
      return undefined; // the file may be mid-rename
    }
  });
  await waitFor(
    'raftkvd to elect itself',
    async () => {
      const response = await fetch(`${http}/health`).catch(() => null);
      return response?.status === 200 ? true : undefined;
    },
    30_000,
  );
  return http;
}

describe('raftkvd process', () => {
  it('exits 2 with a clear message on a bad flag', async () => {
    const { finished } = raftkvd(['--data-dir', 'unused', '--peer-addr', 'foo']);
    const { code, stderr } = await finished;
    expect(code).toBe(2);
    expect(stderr).toContain('raftkvd: --peer-addr "foo" is not a tcp://host:port address');
  });

  it('bootstraps, serves put and get over HTTP, exits 0 on SIGTERM and keeps its data across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'raftkvd-smoke-'));
    directories.push(dataDir);
    const first = raftkvd([...fastTiming, ...anyPorts, '--id', 'n1', '--data-dir', dataDir, '--bootstrap']);
    const http = await healthyHttp(dataDir);
    const put = await fetch(`${http}/key`, { method: 'POST', body: '{"foo":"bar"}' });
    expect(put.status).toBe(200);
    expect(await (await fetch(`${http}/key/foo`)).json()).toEqual({ foo: 'bar' });
    first.child.kill('SIGTERM');
    expect((await first.finished).code).toBe(0);

    const second = raftkvd(['--data-dir', dataDir, ...fastTiming]);
    expect(await healthyHttp(dataDir)).toBe(http);
    expect(await (await fetch(`${http}/key/foo`)).json()).toEqual({ foo: 'bar' });
    second.child.kill('SIGTERM');
    expect((await second.finished).code).toBe(0);
  }, 120_000);

  it('refuses to restart a data directory under another --id', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'raftkvd-smoke-'));
    directories.push(dataDir);
    const first = raftkvd([...fastTiming, ...anyPorts, '--id', 'n1', '--data-dir', dataDir, '--bootstrap']);
    await healthyHttp(dataDir);
    first.child.kill('SIGTERM');
    await first.finished;
    const { code, stderr } = await raftkvd(['--data-dir', dataDir, '--id', 'n2']).finished;
    expect(code).toBe(2);
    expect(stderr).toContain(`${dataDir} belongs to node n1; refusing to start it as n2`);
  }, 120_000);

  it('refuses a write-ahead log damaged in the middle: exit 1, the file named, what to do, no stack trace', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'raftkvd-smoke-'));
    directories.push(dataDir);
    const first = raftkvd([...fastTiming, ...anyPorts, '--id', 'n1', '--data-dir', dataDir, '--bootstrap']);
    const http = await healthyHttp(dataDir);
    // One record per write, so the middle of the segment lies in a record that others follow.
    for (let index = 0; index < 20; index += 1) {
      const put = await fetch(`${http}/key`, {
        method: 'POST',
        body: JSON.stringify({ [`k${index}`]: 'v' }),
      });
      expect(put.status).toBe(200);
    }
    first.child.kill('SIGTERM');
    expect((await first.finished).code).toBe(0);
    const flipped = flipByteInWalSegment(dataDir);

    const { code, stderr } = await raftkvd(['--data-dir', dataDir, ...fastTiming]).finished;

    expect(code).toBe(1);
    expect(stderr).toContain(
      `raftkvd: storage refused to open: ${flipped.file}: write-ahead log: the record at byte`,
    );
    expect(stderr).toContain(`n1's data in ${dataDir} is damaged`);
    expect(stderr).toContain('raftkv members remove n1');
    expect(stderr).toContain('apps/node/README.md "Rebuilding a member"');
    expect(stderr).not.toMatch(/^\s+at /m);
  }, 120_000);

  it('a full LMDB map raises the no-space alarm instead of stopping, again after a restart, and a larger map clears it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'raftkvd-smoke-'));
    directories.push(dataDir);
    const tiny = ['--map-size-mb', '1'];
    const first = raftkvd([
      ...fastTiming,
      ...anyPorts,
      ...tiny,
      '--id',
      'n1',
      '--data-dir',
      dataDir,
      '--bootstrap',
    ]);
    const http = await healthyHttp(dataDir);
    // 64 KiB values: a 1 MiB map holds fewer than 16 of them; 40 writes are bound to fill it.
    const value = 'x'.repeat(64 * 1024);
    const acknowledged: string[] = [];
    let refused: { status: number; body: Record<string, unknown> } | null = null;
    for (let index = 0; index < 40 && refused === null; index += 1) {
      const response = await fetch(`${http}/key`, {
        method: 'POST',
        body: JSON.stringify({ [`big${index}`]: value }),
      });
      const body = (await response.json()) as Record<string, unknown>;
      if (response.status === 200) acknowledged.push(`big${index}`);
      else if (body.code === 'no-space') refused = { status: response.status, body };
    }
    expect(refused?.status).toBe(507);
    expect(first.child.exitCode).toBe(null);
    const health = await fetch(`${http}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      status: 'no-space',
      reason: 'map-full',
      error: expect.stringMatching(/data\.mdb: .*the LMDB map is full/),
    });
    const status = (await (await fetch(`${http}/status`)).json()) as Record<string, unknown>;
    expect(status.alarms).toEqual([expect.objectContaining({ alarm: 'no-space', reason: 'map-full' })]);
    expect(await (await fetch(`${http}/metrics`)).text()).toMatch(
      /^raftkv_alarm\{[^}]*alarm="no-space"[^}]*\} 1$/m,
    );
    process.kill(first.child.pid!, 'SIGTERM');
    const stopped = await first.finished;
    expect(stopped.code).toBe(0);

    // The log still holds the writes: re-applying them after a restart fills the map again, and says so.
    const again = raftkvd(['--data-dir', dataDir, ...fastTiming, ...tiny]);
    await waitFor('the alarm again after the restart', async () => {
      const response = await fetch(`${http}/health`).catch(() => null);
      const body = response === null ? null : ((await response.json()) as Record<string, unknown>);
      return body?.status === 'no-space' ? true : undefined;
    });
    process.kill(again.child.pid!, 'SIGTERM');
    expect((await again.finished).code).toBe(0);

    // A larger map clears it: every acknowledged write is there, and writes are taken again.
    const larger = raftkvd(['--data-dir', dataDir, ...fastTiming, '--map-size-mb', '64']);
    await healthyHttp(dataDir);
    for (const key of acknowledged) {
      const response = await fetch(`${http}/key/${key}`);
      expect(response.status, key).toBe(200);
      expect(((await response.json()) as Record<string, string>)[key]).toBe(value);
    }
    expect((await fetch(`${http}/key`, { method: 'POST', body: '{"after":"yes"}' })).status).toBe(200);
    process.kill(larger.child.pid!, 'SIGTERM');
    expect((await larger.finished).code).toBe(0);
  }, 120_000);

  it('a node started empty under the id of a current voter stops at its first join answer, saying what to do', async () => {
    const voterDir = mkdtempSync(join(tmpdir(), 'raftkvd-smoke-'));
    const emptyDir = mkdtempSync(join(tmpdir(), 'raftkvd-smoke-'));
    directories.push(voterDir, emptyDir);
    raftkvd([...fastTiming, ...anyPorts, '--id', 'n1', '--data-dir', voterDir, '--bootstrap']);
    const http = await healthyHttp(voterDir);

    const stale = raftkvd([...fastTiming, ...anyPorts, '--id', 'n1', '--data-dir', emptyDir, '--join', http]);
    const { code, stderr } = await stale.finished;

    expect(code).toBe(1);
    expect(stderr).toContain('raftkvd: refusing to run with an empty log under the id of a current member:');
    expect(stderr).toContain('n1 is already a member of the cluster as a voter');
    expect(stderr).toContain('raftkv members remove n1');
    expect(stderr).toContain(`empty ${emptyDir} and start this node again`);
    expect(stderr).not.toMatch(/^\s+at /m);
    const members = (await (await fetch(`${http}/status`)).json()) as { members: Array<{ id: string }> };
    expect(members.members.map((member) => member.id)).toEqual(['n1']);
  }, 120_000);

  it('a new data directory whose id is already a learner at its address stops at its first join answer', async () => {
    const voterDir = mkdtempSync(join(tmpdir(), 'raftkvd-smoke-'));
    const emptyDir = mkdtempSync(join(tmpdir(), 'raftkvd-smoke-'));
    directories.push(voterDir, emptyDir);
    raftkvd([...fastTiming, ...anyPorts, '--id', 'n1', '--data-dir', voterDir, '--bootstrap']);
    const http = await healthyHttp(voterDir);
    // An earlier n2 was added as a learner at these addresses (and, for all the leader knows, stored entries).
    const [peer, client, httpPort] = await freePorts(3);
    const addresses = {
      peer: `tcp://127.0.0.1:${peer}`,
      client: `tcp://127.0.0.1:${client}`,
      http: `http://127.0.0.1:${httpPort}`,
    };
    const added = await fetch(`${http}/join`, {
      method: 'POST',
      body: JSON.stringify({
        id: 'n2',
        addr: addresses.peer,
        clientAddr: addresses.client,
        httpAddr: addresses.http,
      }),
    });
    expect(added.status).toBe(200);

    const flags = [
      '--peer-addr',
      addresses.peer,
      '--client-addr',
      addresses.client,
      '--http-addr',
      addresses.http,
    ];
    const stale = raftkvd([...fastTiming, ...flags, '--id', 'n2', '--data-dir', emptyDir, '--join', http]);
    const { code, stderr } = await stale.finished;

    expect(code).toBe(1);
    expect(stderr).toContain('raftkvd: refusing to run with an empty log under the id of a current member:');
    expect(stderr).toContain('n2 is already a learner in the cluster, yet this data directory is new');
    expect(stderr).toContain('raftkv members remove n2');
    expect(stderr).not.toMatch(/^\s+at /m);
  }, 120_000);
});
