// One real raftkvd OS process: bad flags exit 2 with a clear message; bootstrap, put and get over
// HTTP, SIGTERM exits 0, and a restart with only --data-dir keeps identity and data.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readIdentity } from '../src/identity.js';
import { anyPorts, fastTiming, waitFor } from './support/nodes.js';

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
});
