// Entry point of the raftkv CLI (bin/raftkv.js imports the compiled dist/main.js): binds the real
// process to runCli and sets the exit code. No command logic here.
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (output) => process.stdout.write(output),
  stderr: (output) => process.stderr.write(output),
  readStdin: () => text(process.stdin),
  readFile: (path) => readFile(path, 'utf8'),
  cwd: process.cwd(),
});
