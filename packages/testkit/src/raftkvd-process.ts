// One real raftkvd OS process for tests and tools, run from source (tsx, the @raftkv/source
// condition) so no build is needed. Output goes to a log file. Every process started is registered
// so callers can SIGKILL all of them by PID, even when a test or a run fails. Never kills by name.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const workspaceRoot = resolve(import.meta.dirname, '../../..');
const running = new Set<RaftkvdProcess>();

/** Runs a TypeScript entry point of the workspace from source, as `npm test` can without a build. */
export function sourceCommand(entry: string, args: readonly string[]): [string, string[]] {
  return [
    process.execPath,
    ['--conditions=@raftkv/source', '--import', 'tsx', join(workspaceRoot, entry), ...args],
  ];
}

export class RaftkvdProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  exitCode: number | null = null;
  signal: NodeJS.Signals | null = null;

  constructor(
    readonly name: string,
    readonly logPath: string,
    args: readonly string[],
  ) {
    const log = openSync(logPath, 'a');
    const [command, commandArgs] = sourceCommand('apps/node/src/main.ts', args);
    this.child = spawn(command, commandArgs, { cwd: workspaceRoot, stdio: ['ignore', log, log] });
    closeSync(log);
    running.add(this);
    this.exited = new Promise((resolveExit) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.signal = signal;
        running.delete(this);
        resolveExit(code);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Whether it has not exited yet (a SIGSTOPped process is still alive). */
  get alive(): boolean {
    return running.has(this);
  }

  /** Sends a signal to this process by PID; a no-op once it has exited. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.alive) this.child.kill(signal);
  }

  /** Resolves with the exit code (null when killed by a signal), or rejects after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last lines of its log, for failure messages. */
  logTail(lines = 20): string {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/** SIGKILLs every raftkvd still running (by PID) and waits until each has exited. */
export async function killAllRaftkvd(): Promise<void> {
  const processes = [...running];
  for (const process of processes) process.kill('SIGKILL');
  await Promise.all(processes.map((process) => process.waitForExit(10_000).catch(() => null)));
}

/** How many registered raftkvd processes have not exited. */
export function runningRaftkvdCount(): number {
  return running.size;
}

process.once('exit', () => {
  for (const process of running) process.kill('SIGKILL');
});
