// raftkvd's entry point: parses the settings, starts the node, and turns signals into a graceful
// shutdown (a second signal exits at once). Exit codes: 0 clean stop, 1 runtime failure (storage,
// bind, crash-stop), 2 usage error. The only place that calls process.exit.
import { readFileSync } from 'node:fs';
import { StorageError, StorageFullError } from '@raftkv/storage';
import { parseConfig, usageErrorExitCode } from './config.js';
import { DataDirLockedError } from './data-dir-lock.js';
import { IdentityFileError } from './identity.js';
import { createLogger, type Logger } from './logger.js';
import { RaftProcess, StartupRefusedError } from './raft-process.js';

export const failureExitCode = 1;

async function main(): Promise<void> {
  const parsed = parseConfig({
    argv: process.argv.slice(2),
    env: process.env,
    readFile: (path) => readFileSync(path, 'utf8'),
  });
  if (parsed.kind === 'exit') {
    process.stdout.write(parsed.stdout);
    process.stderr.write(parsed.stderr);
    process.exit(parsed.exitCode);
  }
  const logger = createLogger(parsed.config.logLevel);
  let node: RaftProcess;
  try {
    node = await RaftProcess.start(parsed.config, logger, (error) => crashStop(logger, error));
  } catch (error) {
    exitOnStartFailure(logger, error);
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, `${node.id} got ${signal} again; exiting at once`);
      process.exit(failureExitCode);
    }
    node.stop(signal).then(
      () => process.exit(0),
      (error: unknown) => crashStop(logger, error),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function exitOnStartFailure(logger: Logger, error: unknown): never {
  if (error instanceof StartupRefusedError) {
    process.stderr.write(`raftkvd: ${error.message}\n`);
    process.exit(usageErrorExitCode);
  }
  const known =
    error instanceof StorageError ||
    error instanceof IdentityFileError ||
    error instanceof DataDirLockedError;
  const message = known ? (error as Error).message : `cannot start: ${(error as Error).message}`;
  logger.fatal({ err: error }, message);
  process.stderr.write(`raftkvd: ${message}\n`);
  process.exit(failureExitCode);
}

/** Thesis §3.8: never continue after a failed persist; the log on disk is the truth on restart. */
function crashStop(logger: Logger, error: unknown): never {
  const message =
    error instanceof StorageFullError
      ? `storage is full, crash-stopping: ${error.message}`
      : error instanceof StorageError
        ? `storage failed, crash-stopping: ${error.message}`
        : `a turn failed, crash-stopping: ${(error as Error).message}`;
  logger.fatal({ err: error }, message);
  process.stderr.write(`raftkvd: ${message}\n`);
  process.exit(failureExitCode);
}

await main();
