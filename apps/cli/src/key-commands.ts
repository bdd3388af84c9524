// raftkv keys generate: a fresh CURVE key pair for a node (raftkvd --key-file) or a client
// (raftkv --key-file), written as JSON readable only by its owner, its public key printed; raftkv keys
// token: a random bearer token for the HTTP API or the join credential.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateCurveKeyPair } from '@raftkv/client';
import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { exitUsage } from './exit-codes.js';
import { CliFailure } from './io.js';

/** 32 random bytes: 43 base64url characters, beyond guessing. */
const tokenBytes = 32;

export function addKeyCommands(program: Command, context: CliContext): void {
  const keys = program.command('keys').description('CURVE keys and HTTP tokens');
  keys
    .command('token')
    .description(
      'create a random bearer token (raftkvd --http-tokens-file, --join-token-file); prints it, or writes it to --out',
    )
    .option('--out <file>', 'file to write the token to (mode 0600; must not exist)')
    .action((options: { out?: string }) => {
      const token = randomBytes(tokenBytes).toString('base64url');
      if (options.out === undefined) {
        context.print({ token }, () => `${token}\n`);
        return;
      }
      const path = resolve(context.io.cwd, options.out);
      try {
        writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        throw new CliFailure(`cannot write ${path}: ${(error as Error).message}`, exitUsage);
      }
      context.print({ file: path }, () => `${path}\n`);
    });
  keys
    .command('generate')
    .description(
      'create a key pair; prints it as JSON, or writes NAME.key.json to --out and prints the public key',
    )
    .option('--out <dir>', 'directory to write the key pair file to (mode 0600)')
    .option('--name <name>', 'file name stem in --out', 'raftkv')
    .action((options: { out?: string; name: string }) => {
      const pair = generateCurveKeyPair();
      if (options.out === undefined) {
        context.print(pair, () => `${JSON.stringify(pair)}\n`);
        return;
      }
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(options.name)) {
        throw new CliFailure(`--name "${options.name}" must be 1-64 letters, digits, . _ -`, exitUsage);
      }
      const path = join(resolve(context.io.cwd, options.out), `${options.name}.key.json`);
      try {
        writeFileSync(path, `${JSON.stringify(pair)}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        throw new CliFailure(`cannot write ${path}: ${(error as Error).message}`, exitUsage);
      }
      const written = { file: path, publicKey: pair.publicKey };
      context.print(written, () => `${path}\npublic key ${pair.publicKey}\n`);
    });
}
