// `npm start` / `npm run cluster -- <command>`: launches and manages a local raftkv cluster of
// raftkvd processes on 127.0.0.1. Parses arguments and maps outcomes to exit codes (0 ok, 1 failure,
// 2 usage error); the work is in cluster-commands.ts.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  CommandError,
  killNode,
  pauseNode,
  restartNode,
  resumeNode,
  showStatus,
  startCluster,
  stopCluster,
} from './cluster-commands.js';
import { sendAction } from './control-client.js';
import { parseGroup, parseRate } from './live-faults.js';
import { transferLeadership } from './node-actions.js';
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

const dataDir = (): string => program.opts<{ dataDir: string }>().dataDir;

program
  .command('pause <id>')
  .description('SIGSTOP one node: it freezes with its sockets open (a long GC pause, a stalled VM)')
  .action((id: string) => pauseNode(dataDir(), id, print));

program
  .command('resume <id>')
  .description('SIGCONT a paused node')
  .action((id: string) => resumeNode(dataDir(), id, print));

program
  .command('transfer <id>')
  .description('ask the leader to hand leadership to a node (thesis §3.10)')
  .action((id: string) => transferLeadership(dataDir(), id, print));

program
  .command('partition <id>')
  .description('isolate one node: cut every peer link to and from it (needs the running launcher)')
  .action((id: string) => sendAction(dataDir(), { action: 'partition', node: id }, print));

program
  .command('split <groups...>')
  .description('cut every peer link between groups, e.g. split n1,n2 n3 (nodes not named keep their links)')
  .action((groups: string[]) =>
    sendAction(dataDir(), { action: 'split', groups: groups.map(parseGroup) }, print),
  );

program
  .command('cut <from> <to>')
  .description("cut one direction: from's messages to `to` are dropped, to's still reach from")
  .action((from: string, to: string) => sendAction(dataDir(), { action: 'cut', from, to }, print));

program
  .command('throttle')
  .argument('<id>')
  .argument('<rate>', 'such as 256kbit or 1mbit', (rate: string) => {
    if (parseRate(rate) === null) throw new InvalidArgumentError('expected a rate such as 256kbit or 1mbit');
    return rate;
  })
  .description('shape every outbound peer link of a node to a rate')
  .action((id: string, rate: string) => sendAction(dataDir(), { action: 'throttle', node: id, rate }, print));

program
  .command('heal')
  .description('every peer link flows again, throttles stop, paused nodes resume')
  .action(() => sendAction(dataDir(), { action: 'heal' }, print));

program
  .command('load')
  .argument('<on|off>', 'start or stop it', (state: string) => {
    if (state !== 'on' && state !== 'off') throw new InvalidArgumentError('expected on or off');
    return state;
  })
  .description("the launcher's built-in load (writers and readers at the leader), shown on the dashboard")
  .action((state: string) => sendAction(dataDir(), { action: 'load', on: state === 'on' }, print));

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
