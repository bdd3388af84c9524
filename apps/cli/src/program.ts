// The raftkv command line: global options, the commands, and how every outcome becomes an exit code
// (0 ok, 1 definite failure, 2 usage error, 3 unknown outcome, 4 damaged backup file). Runs in-process; main.ts binds it.
import { KvClientError } from '@raftkv/client';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { addAdminCommands } from './admin-commands.js';
import { CliContext } from './cli-context.js';
import { exitCodeFor, exitOk, exitUsage } from './exit-codes.js';
import { CliFailure, type CliIo } from './io.js';
import { addKeyCommands } from './key-commands.js';
import { addKvCommands } from './kv-commands.js';
import { addSnapshotCommands } from './snapshot-commands.js';

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command();
  const context = new CliContext(program, io);
  defineProgram(program, context, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitOk;
  } catch (error) {
    return exitCodeOf(error, io);
  } finally {
    context.close();
  }
}

function defineProgram(program: Command, context: CliContext, io: CliIo): void {
  program
    .name('raftkv')
    .description('the raftkv command-line client')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)')
    .option(
      '--endpoints <list>',
      'node client addresses, comma-separated (default: the local cluster from `npm start`)',
    )
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .option('--timeout <ms>', 'give up after this many milliseconds (default 5000)', positiveMs)
    .option('--verbose', 'print each not-leader redirect followed, on stderr')
    .option('--key-file <file>', "this client's CURVE key pair (default: the local cluster's, if it has one)")
    .option('--server-keys <file>', 'JSON object of node client address → its public key (with --key-file)')
    .option(
      '--token-file <file>',
      "bearer token for the nodes' HTTP API (default: the local cluster's, if any)",
    )
    .addOption(
      new Option(
        '--consistency <level>',
        'reads: linearizable (default) or serializable (any node, may be stale)',
      ).choices(['linearizable', 'serializable']),
    );
  addKvCommands(program, context);
  addAdminCommands(program, context);
  addSnapshotCommands(program, context);
  addKeyCommands(program, context);
}

function positiveMs(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value === 0) {
    throw new InvalidArgumentError(`"${text}" is not a positive number of milliseconds`);
  }
  return value;
}

function exitCodeOf(error: unknown, io: CliIo): number {
  // Commander printed its own message; --help and --version exit 0, everything else is usage.
  if (error instanceof CommanderError) return error.exitCode === 0 ? exitOk : exitUsage;
  if (error instanceof CliFailure) {
    io.stderr(`raftkv: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof KvClientError) {
    io.stderr(`raftkv: ${error.code}: ${error.message}\n`);
    return exitCodeFor(error);
  }
  throw error;
}
