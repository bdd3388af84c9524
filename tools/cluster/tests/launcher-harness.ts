// Test harness for the launcher end to end: starts `start --dev` (real raftkvd processes on
// OS-assigned ports in a temp dir), runs CLI commands as separate processes, reads the members'
// /status, and cleans up every process it started by PID. Every wait is bounded.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agreedLeader, collectReports, type NodeReport } from '../src/cluster-status.js';
import { isAlive } from '../src/node-processes.js';
import { type ClusterState, readState } from '../src/state-file.js';

const launcherSource = join(import.meta.dirname, '..', 'src', 'main.ts');
const sourceNode = [process.execPath, '--conditions=@raftkv/source', '--import', 'tsx'] as const;

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface RunningCluster {
  readonly dataRoot: string;
  readonly launcher: ChildProcess;
  readonly token: string;
  /** Everything the launcher printed so far. */
  output(): string;
  state(): ClusterState;
  reports(): Promise<NodeReport[]>;
  /** The agreed leader, waited for. */
  leader(timeoutMs?: number): Promise<string>;
  /** Runs `npm run cluster -- <args>` against this cluster. */
  cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** POST /key at `node` (default: the leader); resolves with the index it committed at. */
  put(key: string, value: string, node?: string): Promise<number>;
  /** SIGINT to the launcher, waits for it to exit; then kills whatever still runs, by PID. */
  stop(): Promise<number | null>;
  /** stop(), then removes the data directory. */
  dispose(): Promise<void>;
}

/** A new cluster in a temp dir, or (with `existing`) the launcher restarting the one there. */
export async function startCluster(nodes = 3, existing?: string): Promise<RunningCluster> {
  const dataRoot = existing ?? mkdtempSync(join(tmpdir(), 'raftkv-cluster-'));
  const launcher = spawn(
    sourceNode[0],
    [
      ...sourceNode.slice(1),
      launcherSource,
      '--data-dir',
      dataRoot,
      'start',
      '--dev',
      '--nodes',
      String(nodes),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  launcher.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  launcher.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => launcher.on('exit', (code) => resolve(code)));
  const cleanup = (): void => {
    for (const node of readState(dataRoot)?.nodes ?? []) {
      if (node.pid !== null && isAlive(node.pid)) {
        process.kill(node.pid, 'SIGCONT');
        process.kill(node.pid, 'SIGKILL');
      }
    }
    if (launcher.exitCode === null && launcher.pid !== undefined) launcher.kill('SIGKILL');
  };
  try {
    await waitFor(
      'the launcher to print the dashboard',
      () => (output.includes('Press Ctrl-C') ? true : undefined),
      120_000,
    );
  } catch (error) {
    cleanup();
    rmSync(dataRoot, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}; the launcher printed:\n${output}`);
  }
  const token = readFileSync(join(dataRoot, 'http.token'), 'utf8').trim();
  const state = (): ClusterState => readState(dataRoot)!;
  const reports = (): Promise<NodeReport[]> => collectReports(state().nodes, token);
  const cluster: RunningCluster = {
    dataRoot,
    launcher,
    token,
    output: () => output,
    state,
    reports,
    leader: (timeoutMs = 30_000) =>
      waitFor('an agreed leader', async () => agreedLeader(await reports()) ?? undefined, timeoutMs),
    cli: (...args) =>
      new Promise((resolve) => {
        execFile(
          sourceNode[0],
          [...sourceNode.slice(1), launcherSource, '--data-dir', dataRoot, ...args],
          { timeout: 60_000 },
          (error, stdout, stderr) => {
            const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
            resolve({ code, stdout, stderr });
          },
        );
      }),
    async put(key, value, node) {
      const id = node ?? (await cluster.leader());
      const http = state().nodes.find((entry) => entry.id === id)!.http;
      const response = await fetch(`${http}/key`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ [key]: value }),
        signal: AbortSignal.timeout(30_000),
      });
      if (!response.ok) throw new Error(`put at ${id}: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { index: number }).index;
    },
    async stop() {
      try {
        if (launcher.exitCode !== null) return launcher.exitCode;
        launcher.kill('SIGINT');
        return await Promise.race([
          exited,
          new Promise<null>((resolve) => setTimeout(() => resolve(null), 60_000)),
        ]);
      } finally {
        cleanup();
      }
    },
    async dispose() {
      await cluster.stop();
      rmSync(dataRoot, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** The dashboard's URL with its token, as `start` printed it. */
export function dashboardUrl(cluster: RunningCluster): string {
  const match = /Dashboard: (\S+)/.exec(cluster.output());
  if (match === null) throw new Error(`the launcher printed no dashboard URL:\n${cluster.output()}`);
  return match[1]!;
}

export function dashboardToken(cluster: RunningCluster): string {
  const path = join(cluster.dataRoot, 'dashboard.token');
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
}
