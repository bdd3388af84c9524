// Runs the raftkv CLI from source as its own OS process, bounded: a run that outlives its deadline is
// SIGKILLed by PID. Resolves with the exit code and everything it printed.
import { spawn } from 'node:child_process';
import { sourceCommand, workspaceRoot } from '@raftkv/testkit';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const cliRunMsMax = 30_000;

export function raftkvCli(args: readonly string[], timeoutMs = cliRunMsMax): Promise<CliRun> {
  const [command, commandArgs] = sourceCommand('apps/cli/src/main.ts', args);
  const child = spawn(command, commandArgs, { cwd: workspaceRoot });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}
