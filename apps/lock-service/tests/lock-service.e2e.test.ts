// Three lock-service member processes on real sockets and real write-ahead logs: a lock taken through
// the client survives SIGKILL of the leader, the next leader serves it, and the killed member restarts
// from its data directory and catches up. Every process is killed by its PID at the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePorts, sourceCommand } from '@raftkv/testkit';
import { afterAll, describe, expect, test } from 'vitest';
import { LockClient } from '../src/lock-client.js';

const root = mkdtempSync(join(tmpdir(), 'lock-service-'));
const processes = new Map<string, ChildProcess>();
const ids = ['n1', 'n2', 'n3'];
let memberArgs: string[] = [];
const http = new Map<string, string>();

function start(id: string): void {
  const [command, args] = sourceCommand('apps/lock-service/src/member.ts', [
    '--id',
    id,
    '--data-dir',
    join(root, id),
    ...memberArgs,
  ]);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  processes.set(id, child);
}

function kill(id: string): Promise<void> {
  const child = processes.get(id)!;
  processes.delete(id);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid!, 'SIGKILL');
  return exited;
}

async function status(id: string): Promise<{ role: string; term: number; appliedIndex: number }> {
  const response = await fetch(`${http.get(id)}/status`, { signal: AbortSignal.timeout(1_000) });
  return (await response.json()) as { role: string; term: number; appliedIndex: number };
}

async function leader(excluding: string | null): Promise<string> {
  return eventually(
    async () => {
      for (const id of ids) {
        if (id === excluding) continue;
        if ((await status(id).catch(() => null))?.role === 'leader') return id;
      }
      return undefined;
    },
    { timeoutMs: 30_000, what: 'a leader' },
  );
}

afterAll(async () => {
  await Promise.all([...processes.keys()].map((id) => kill(id)));
  rmSync(root, { recursive: true, force: true });
});

describe('lock service, three processes', () => {
  test('a held lock survives killing the leader; the restarted member catches up', async () => {
    const ports = await freePorts(6);
    memberArgs = ids.flatMap((id, i) => {
      http.set(id, `http://127.0.0.1:${ports[3 + i]}`);
      return ['--member', `${id},tcp://127.0.0.1:${ports[i]},http://127.0.0.1:${ports[3 + i]}`];
    });
    for (const id of ids) start(id);
    const client = new LockClient({ endpoints: ids.map((id) => http.get(id)!) });

    expect(await client.acquire('db-migration', 'alice')).toEqual({ ok: true, holder: 'alice' });
    expect(await client.acquire('db-migration', 'bob')).toEqual({ ok: false, holder: 'alice' });
    const first = await leader(null);
    await kill(first);

    const second = await leader(first);
    expect(second).not.toBe(first);
    expect(await client.holder('db-migration')).toEqual({ ok: true, holder: 'alice' });
    expect(await client.acquire('nightly-report', 'bob')).toEqual({ ok: true, holder: 'bob' });
    expect(await client.release('db-migration', 'alice')).toEqual({ ok: true, holder: null });

    start(first); // from its write-ahead log; the lock state is rebuilt by re-applying it
    const leaderApplied = (await status(second)).appliedIndex;
    await eventually(
      async () => ((await status(first).catch(() => null))?.appliedIndex ?? 0) >= leaderApplied || undefined,
      { timeoutMs: 30_000, what: `${first} to apply through ${leaderApplied}` },
    );
    expect(await client.holder('nightly-report')).toEqual({ ok: true, holder: 'bob' });
    expect(await client.holder('db-migration')).toEqual({ ok: true, holder: null });
  });

  test('bad input is refused with a clear error and the member keeps serving', async () => {
    const id = [...processes.keys()][0]!;
    const base = http.get(id)!;
    const bad = await fetch(`${base}/locks/db/acquire`, { method: 'POST', body: '{"owner": 7}' });
    expect(bad.status).toBe(400);
    const garbage = await fetch(`${base}/locks/db/acquire`, { method: 'POST', body: 'not json' });
    expect(garbage.status).toBe(400);
    expect((await fetch(`${base}/locks/${'x'.repeat(200)}`)).status).toBe(404);
    expect((await fetch(`${base}/locks/%E0%A4%A`)).status).toBe(404);
    const huge = await fetch(`${base}/locks/db/acquire`, { method: 'POST', body: 'x'.repeat(10_000) });
    expect(huge.status).toBe(400);
    expect((await status(id)).role).toMatch(/leader|follower|candidate/i);
  });
});
