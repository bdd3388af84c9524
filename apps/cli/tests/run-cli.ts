// Runs the raftkv CLI in-process with recorded stdout/stderr, a given stdin and working directory.
import { readFile } from 'node:fs/promises';
import { runCli } from '../src/program.js';

export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function raftkv(
  argv: readonly string[],
  options: { stdin?: string; cwd?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const exitCode = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readStdin: async () => options.stdin ?? '',
    readFile: (path) => readFile(path, 'utf8'),
    cwd: options.cwd ?? '/',
  });
  return { exitCode, stdout, stderr };
}
