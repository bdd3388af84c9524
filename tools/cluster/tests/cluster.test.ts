// The launcher end to end: `start --dev` brings up three real raftkvd processes on OS-assigned free
// ports in a temp dir, they elect a leader, serve a put and a get over HTTP, and Ctrl-C (SIGINT to the
// launcher) stops them all: every PID in the state file is gone afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agreedLeader, collectReports } from '../src/cluster-status.js';
import { isAlive } from '../src/node-processes.js';
import { readState } from '../src/state-file.js';
import { waitFor } from './launcher-harness.js';

const launcherSource = join(import.meta.dirname, '..', 'src', 'main.ts');
const launched: ChildProcess[] = [];
const directories: string[] = [];

afterEach(() => {
  for (const directory of directories) {
    for (const node of readState(directory)?.nodes ?? []) {
      if (node.pid !== null && isAlive(node.pid)) process.kill(node.pid, 'SIGKILL');
    }
  }
  for (const child of launched.splice(0))
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** The first start compiles the launcher and raftkvd through tsx: a generous bound. */
const startTimeoutMs = 90_000;

describe('cluster launcher', () => {
  it('starts three nodes that elect a leader and serve HTTP, and stops every one of them on Ctrl-C', async () => {
    const dataRoot = mkdtempSync(join(tmpdir(), 'raftkv-cluster-'));
    directories.push(dataRoot);
    const launcher = spawn(
      process.execPath,
      [
        '--conditions=@raftkv/source',
        '--import',
        'tsx',
        launcherSource,
        '--data-dir',
        dataRoot,
        'start',
        '--dev',
        '--nodes',
        '3',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    launched.push(launcher);
    let output = '';
    launcher.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    launcher.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => launcher.on('exit', (code) => resolve(code)));

    const state = await waitFor('the state file', () => readState(dataRoot) ?? undefined, startTimeoutMs);
    expect(state.nodes.map((node) => node.id)).toEqual(['n1', 'n2', 'n3']);
    const token = await waitFor(
      'the HTTP token file',
      () =>
        existsSync(join(dataRoot, 'http.token'))
          ? readFileSync(join(dataRoot, 'http.token'), 'utf8').trim()
          : undefined,
      startTimeoutMs,
    );
    const leader = await waitFor(
      'a leader',
      async () => agreedLeader(await collectReports(state.nodes, token)) ?? undefined,
      startTimeoutMs,
    );
    expect(['n1', 'n2', 'n3']).toContain(leader);
    await waitFor(
      'the launcher to print the endpoints',
      () => (output.includes('Press Ctrl-C') ? true : undefined),
      startTimeoutMs,
    );
    expect(output).toContain(`Leader: ${leader}`);

    const [first, , last] = state.nodes;
    const headers = { authorization: `Bearer ${token}` };
    const put = await fetch(`${first!.http}/key`, { method: 'POST', headers, body: '{"launched":"yes"}' });
    expect(put.status).toBe(200);
    expect(await (await fetch(`${last!.http}/key/launched`, { headers })).json()).toEqual({
      launched: 'yes',
    });
    // The HTTP API asks for the token the launcher wrote (the CLI reads it from the same file).
    expect((await fetch(`${last!.http}/key/launched`)).status).toBe(401);

    // Secure by default: every node has a key pair, the state file names each public key for the CLI,
    // and no node warned about running without encryption.
    expect(
      state.nodes.every((node) => typeof node.publicKey === 'string' && node.publicKey.length === 40),
    ).toBe(true);
    expect(readFileSync(join(dataRoot, 'clients.keys'), 'utf8')).toContain(
      (JSON.parse(readFileSync(join(dataRoot, 'client.key.json'), 'utf8')) as { publicKey: string })
        .publicKey,
    );
    for (const node of state.nodes)
      expect(readFileSync(node.logFile, 'utf8')).not.toContain('without encryption');

    const pids = state.nodes.map((node) => node.pid);
    expect(pids.every((pid) => pid !== null && isAlive(pid))).toBe(true);
    launcher.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(pids.filter((pid) => pid !== null && isAlive(pid))).toEqual([]);
    expect(readState(dataRoot)?.nodes.map((node) => node.pid)).toEqual([null, null, null]);
  }, 240_000);
});
