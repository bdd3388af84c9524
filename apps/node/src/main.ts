// raftkvd's entry point: parses the settings, starts the node, and turns signals into a graceful
// shutdown (a second signal exits at once). Exit codes: 0 clean stop, 1 runtime failure (storage,
// bind, crash-stop), 2 usage error. The only place that calls process.exit.
import { readFileSync } from 'node:fs';
import { StorageError, StorageFullError } from '@raftkv/storage';
import { StaleMemberError } from './cluster-join.js';
import { type NodeConfig, parseConfig, usageErrorExitCode } from './config.js';
import { DataDirLockedError } from './data-dir-lock.js';
import { IdentityFileError, readIdentity } from './identity.js';
import { type Parsed, parseClientKeysFile, parseTokensFile } from './key-files.js';
import { createLogger, type Logger } from './logger.js';
import { RaftProcess, StartupRefusedError } from './raft-process.js';
import { type StorageContext, storageFailureMessage } from './storage-advice.js';

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
  const { config } = parsed;
  const logger = createLogger(config.logLevel);
  const onFatal = (error: unknown): void => crashStop(logger, config, error);
  let node: RaftProcess;
  // The no-space alarm cleared (the probe write succeeded): stop this node and start it again from
  // its data directory, as a process restart would, so the actor begins from what is on disk.
  const restartAfterSpaceFreed = (): void => {
    const stopping = node;
    stopping
      .stop('disk space freed')
      .then(() => startWithRetries(config, logger, onFatal, restartAfterSpaceFreed))
      .then(
        (started) => {
          node = started;
          logger.info(`${node.id} restarted; the no-space alarm is cleared`);
          reloadCredentials(); // the lists read at the first start may have been reloaded since
        },
        (error: unknown) => exitOnStartFailure(logger, config, error),
      );
  };
  try {
    node = await RaftProcess.start(config, logger, onFatal, restartAfterSpaceFreed);
  } catch (error) {
    exitOnStartFailure(logger, config, error);
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
      (error: unknown) => crashStop(logger, config, error),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const clientKeys = config.security?.clientKeysFile ?? null;
  const tokens = config.httpAuth.tokensFile;
  process.on('SIGHUP', () => {
    if (clientKeys === null && tokens === null) {
      logger.info(`${node.id} got SIGHUP; no --client-keys-file or --http-tokens-file to reload`);
    }
    reloadCredentials();
  });
  function reloadCredentials(): void {
    if (clientKeys !== null) {
      const keys = reload(logger, node.id, clientKeys, 'client allow-list', parseClientKeysFile);
      if (keys !== null) node.setAllowedClientKeys(keys);
    }
    if (tokens !== null) {
      const read = reload(logger, node.id, tokens, 'HTTP tokens', parseTokensFile);
      if (read !== null) node.setHttpTokens(read);
    }
  }
}

/**
 * SIGHUP: rereads one credential list; a file that cannot be read or parsed keeps the old list.
 */
function reload(
  logger: Logger,
  id: string,
  path: string,
  what: string,
  parse: (text: string) => Parsed<readonly string[]>,
): readonly string[] | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    logger.error({ file: path }, `${id} kept its ${what}: cannot read ${path}: ${(error as Error).message}`);
    return null;
  }
  const parsed = parse(text);
  if (!parsed.ok) {
    logger.error({ file: path }, `${id} kept its ${what}: ${path} ${parsed.message}`);
    return null;
  }
  logger.info(
    { file: path, entries: parsed.value.length },
    `${id} reloaded its ${what} from ${path} (${parsed.value.length} entries)`,
  );
  return parsed.value;
}

/** Binding the just-released ports again can race the sockets' close: a few tries, a pause between. */
const restartAttemptsMax = 10;
const restartPauseMs = 200;

async function startWithRetries(
  config: NodeConfig,
  logger: Logger,
  onFatal: (error: unknown) => void,
  onSpaceFreed: () => void,
): Promise<RaftProcess> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await RaftProcess.start(config, logger, onFatal, onSpaceFreed);
    } catch (error) {
      const inUse = (error as { code?: unknown }).code === 'EADDRINUSE' || /in use/i.test(String(error));
      if (!inUse || attempt >= restartAttemptsMax) throw error;
      logger.warn({ attempt }, `restart: an address is still in use; retrying in ${restartPauseMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, restartPauseMs));
    }
  }
}

/**
 * A start that failed: one clear message on stderr (a storage failure also says what to do), the
 * same as a fatal log line with the error's details, then exit 1 (2 for contradicting settings).
 */
function exitOnStartFailure(logger: Logger, config: NodeConfig, error: unknown): never {
  if (error instanceof StartupRefusedError) {
    process.stderr.write(`raftkvd: ${error.message}\n`);
    process.exit(usageErrorExitCode);
  }
  const message =
    error instanceof StorageError
      ? `storage refused to open: ${storageFailureMessage(error, storageContext(config))}`
      : error instanceof IdentityFileError || error instanceof DataDirLockedError
        ? error.message
        : `cannot start: ${(error as Error).message}`;
  logger.fatal({ err: error }, message);
  process.stderr.write(`raftkvd: ${message}\n`);
  process.exit(failureExitCode);
}

/**
 * A fatal failure at run time. Thesis §3.8: never continue after a failed persist; the log on disk
 * is the truth on restart. A node that started empty under a current member's id stops too: what it
 * received meanwhile belongs to no member, so the directory is emptied before it starts again.
 */
function crashStop(logger: Logger, config: NodeConfig, error: unknown): never {
  const message =
    error instanceof StaleMemberError
      ? `refusing to run with an empty log under the id of a current member: ${error.message}. ` +
        `Once it is removed, empty ${config.dataDir} and start this node again with the same flags`
      : error instanceof StorageFullError
        ? `storage is full, crash-stopping: ${storageFailureMessage(error, storageContext(config))}`
        : error instanceof StorageError
          ? `storage failed, crash-stopping: ${storageFailureMessage(error, storageContext(config))}`
          : `a turn failed, crash-stopping: ${(error as Error).message}`;
  logger.fatal({ err: error }, message);
  process.stderr.write(`raftkvd: ${message}\n`);
  process.exit(failureExitCode);
}

/** The member's id for the advice: --id, else the data directory's identity file, if readable. */
function storageContext(config: NodeConfig): StorageContext {
  let id = config.id;
  if (id === null) {
    try {
      id = readIdentity(config.dataDir)?.id ?? null;
    } catch {
      id = null; // a damaged identity file is reported on its own; the advice then says "this member"
    }
  }
  return { id, dataDir: config.dataDir, mapSizeMb: config.mapSizeMb };
}

await main();
