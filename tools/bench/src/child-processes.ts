// Starts server processes with their output in a log file, and stops them by PID only: SIGTERM (so
// --cpu-prof profiles are written), a bounded wait, then SIGKILL. Polls an HTTP URL until ready.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

const stopGraceMs = 10_000;
const pollMs = 50;

export function spawnLogged(
  command: string,
  args: readonly string[],
  logFile: string,
  cwd: string,
): ChildProcess {
  const log = openSync(logFile, 'a');
  try {
    return spawn(command, args, { cwd, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
}

/** Whether the child ended within `timeoutMs`. */
function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  if (child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid, 'SIGTERM');
  if (await waitForExit(child, stopGraceMs)) return;
  process.kill(child.pid, 'SIGKILL');
  await waitForExit(child, stopGraceMs);
}

/** Polls until `ready()` returns true; throws after `timeoutMs`, naming `what` and a log tail. */
export async function pollUntil(
  ready: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  logFiles: readonly string[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const tails = logFiles.map((file) => `--- ${file}\n${tail(file)}`).join('\n');
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${tails}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
