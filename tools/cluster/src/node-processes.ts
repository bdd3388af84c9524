// Starts raftkvd processes (detached, each with its own log file) and stops them by PID: SIGTERM,
// wait, then SIGKILL for stragglers. Signals only PIDs whose command line names the node's data
// directory, so a reused PID of some other program is never touched.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place in tools/cluster/{src,dist}. */
export const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const raftkvdBin = join(workspaceRoot, 'apps/node/bin/raftkvd.js');
export const raftkvdSource = join(workspaceRoot, 'apps/node/src/main.ts');

/** How long a node may take to stop gracefully (a leader hands over first) before SIGKILL. */
export const gracefulStopMs = 15_000;
const pollMs = 50;

export type RaftkvdMode = 'dist' | 'source';

export function spawnRaftkvd(mode: RaftkvdMode, argv: readonly string[], logFile: string): ChildProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = openSync(logFile, 'a');
  const command =
    mode === 'dist' ? [raftkvdBin] : ['--conditions=@raftkv/source', '--import', 'tsx', raftkvdSource];
  try {
    // Detached: its own process group, so the terminal's Ctrl-C reaches only the launcher, which then
    // stops every node gracefully in order.
    return spawn(process.execPath, [...command, ...argv], {
      cwd: workspaceRoot,
      detached: true,
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
}

/** Whether `pid` is alive and is the raftkvd serving `dataDir`. */
export function isRaftkvd(pid: number | null, dataDir: string): pid is number {
  if (pid === null || !isAlive(pid)) return false;
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync('/proc/self/cmdline')) return true; // no procfs: trust the state file
  try {
    return readFileSync(cmdline, 'utf8').split('\0').includes(dataDir);
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Resolves with how the process ended. */
export async function stopProcess(pid: number, graceMs = gracefulStopMs): Promise<'stopped' | 'killed'> {
  signal(pid, 'SIGTERM');
  signal(pid, 'SIGCONT'); // a paused node (SIGSTOP) handles the SIGTERM only once it runs again
  if (await waitForExit(pid, graceMs)) return 'stopped';
  signal(pid, 'SIGKILL');
  await waitForExit(pid, graceMs);
  return 'killed';
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return true;
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
