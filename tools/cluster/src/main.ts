// `npm start` / `npm run cluster -- <command>`: launches and manages a local raftkv cluster of
// raftkvd processes on 127.0.0.1. Parses arguments and maps outcomes to exit codes (0 ok, 1 failure,
// 2 usage error); the work is in cluster-commands.ts.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  CommandError,
  killNode,
  restartNode,
  showStatus,
  startCluster,
  stopCluster,
} from './cluster-commands.js';
import { isRaftkvd, signal } from './node-processes.js';
import { readState } from './state-file.js';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function integer(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

/** Resolves on the first SIGINT/SIGTERM; a second one kills every node at once. */
function firstSignal(onSecond: () => void): Promise<void> {
  return new Promise((resolve) => {
    let count = 0;
    const handler = (): void => {
      count += 1;
      if (count === 1) {
        print('\nStopping the cluster (press Ctrl-C again to kill every node at once) ...');
        resolve();
      } else {
        onSecond();
      }
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

const program = new Command('cluster')
  .description('Launch and manage a local raftkv cluster (one raftkvd process per node).')
  .option('--data-dir <dir>', 'where node data, logs and cluster.json live', '.cluster')
  .exitOverride();

program
  .command('start')
  .description(
    'start the cluster in the foreground (first run bootstraps; later runs restart the same nodes)',
  )
  .option('--nodes <n>', 'number of nodes for a new cluster (3 or 5 recommended)', integer(1, 9), 3)
  .option(
    '--base-port <port>',
    'take ports from here upwards (default: ask the OS for free ports)',
    integer(1024, 65_000),
  )
  .option('--host <host>', 'address every node binds and advertises', '127.0.0.1')
  .option('--no-build', 'do not build, even when dist is missing or stale')
  .option('--dev', 'run raftkvd from sources with tsx (no build needed)')
  .option('--log-level <level>', 'raftkvd log level', 'info')
  .action(async (options: Record<string, unknown>) => {
    const { dataDir } = program.opts<{ dataDir: string }>();
    const killAll = (): void => {
      for (const node of readState(dataDir)?.nodes ?? [])
        if (isRaftkvd(node.pid, node.dataDir)) signal(node.pid, 'SIGKILL');
      process.exit(1);
    };
    await startCluster(
      {
        nodes: options.nodes as number,
        basePort: (options.basePort as number | undefined) ?? null,
        dataRoot: dataDir,
        host: options.host as string,
        build: options.build as boolean,
        dev: options.dev === true,
        logLevel: options.logLevel as string,
        leaderTimeoutMs: 60_000,
      },
      print,
      firstSignal(killAll),
    );
  });

program
  .command('status')
  .description('one row per node from its GET /status')
  .action(async () => {
    const anyUp = await showStatus(program.opts<{ dataDir: string }>().dataDir, print);
    process.exitCode = anyUp ? 0 : 1;
  });

program
  .command('stop')
  .description('stop every node gracefully (SIGTERM, then SIGKILL stragglers) and the foreground launcher')
  .action(() => stopCluster(program.opts<{ dataDir: string }>().dataDir, print, { stopLauncher: true }));

program
  .command('kill <id>')
  .description('SIGKILL one node (a crash, for experiments)')
  .action((id: string) => killNode(program.opts<{ dataDir: string }>().dataDir, id, print));

program
  .command('restart <id>')
  .description('stop one node gracefully if it runs, then start it again from its data directory')
  .action((id: string) => restartNode(program.opts<{ dataDir: string }>().dataDir, id, print));

try {
  await program.parseAsync(process.argv);
  process.exit(process.exitCode ?? 0);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (error instanceof CommandError) {
    process.stderr.write(`cluster: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
