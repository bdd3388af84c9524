// The lock service (apps/lock-service, copied beside this file as src/lock-service/ and compiled
// against the installed packages) as three real member processes: a lock taken on the leader survives
// SIGKILL of the leader. Ports come from the OS; every process is killed by its PID at the end.
// Prints one JSON line; exits 1 on any failure.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const waitLimitMs = 30_000;
const ids = ['n1', 'n2', 'n3'];
const root = mkdtempSync(join(tmpdir(), 'raftkv-locks-'));
const children = new Map<string, ChildProcess>();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

async function until<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + waitLimitMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function call(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function main(): Promise<Record<string, unknown>> {
  const http = new Map<string, string>();
  const memberArgs: string[] = [];
  for (const id of ids) {
    const [peerPort, httpPort] = [await freePort(), await freePort()];
    http.set(id, `http://127.0.0.1:${httpPort}`);
    memberArgs.push('--member', `${id},tcp://127.0.0.1:${peerPort},http://127.0.0.1:${httpPort}`);
  }
  for (const id of ids) {
    const args = ['dist/lock-service/member.js', '--id', id, '--data-dir', join(root, id), ...memberArgs];
    children.set(id, spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] }));
  }
  const leader = (excluding: string | null) =>
    until('a leader', async () => {
      for (const id of ids) {
        if (id !== excluding && (await call(`${http.get(id)}/status`)).body.role === 'leader') return id;
      }
      return null;
    });

  const first = await leader(null);
  const acquired = await call(`${http.get(first)}/locks/db/acquire`, {
    method: 'POST',
    body: '{"owner":"alice"}',
  });
  if (acquired.status !== 200 || acquired.body.holder !== 'alice')
    throw new Error(`acquire: ${JSON.stringify(acquired)}`);

  const child = children.get(first)!;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid!, 'SIGKILL');
  await exited;
  children.delete(first);

  const second = await leader(first);
  const held = await until('the lock read on the new leader', async () => {
    const answer = await call(`${http.get(second)}/locks/db`);
    return answer.status === 200 ? answer.body.holder : null;
  });
  if (held !== 'alice') throw new Error(`after the leader's crash the lock is held by ${String(held)}`);
  return { ok: true, firstLeader: first, secondLeader: second, holder: held };
}

let failed = false;
try {
  console.log(JSON.stringify(await main()));
} catch (error) {
  failed = true;
  console.log(JSON.stringify({ ok: false, error: String(error) }));
} finally {
  for (const child of children.values())
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
