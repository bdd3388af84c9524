// Seeding and rescuing a member's data directory at startup: `--restore FILE` (a new cluster from a
// backup, etcd's `snapshot restore`) and `--force-new-cluster` (a survivor of a lost quorum becomes a
// one-member cluster, etcd's flag of that name). Both run before the actor starts, never over a live log.
import { readFileSync } from 'node:fs';
import type { Configuration, Entry, LogStorage } from '@raftkv/raft';
import { nodeId } from '@raftkv/raft';
import {
  type LmdbEnvironment,
  restoreSnapshotFile,
  SnapshotFileError,
  type VerifiedSnapshotFile,
  verifySnapshotFile,
} from '@raftkv/storage';
import type { Logger } from './logger.js';
import { encodeMemberAddress } from './member-address.js';
import { type SettledAddresses, StartupRefusedError } from './settle-addresses.js';

/** Reads and verifies a backup before anything is opened or bound; a bad file refuses the start. */
export function readBackup(path: string): VerifiedSnapshotFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new StartupRefusedError(`--restore ${path}: ${(error as Error).message}`);
  }
  try {
    return verifySnapshotFile(bytes);
  } catch (error) {
    if (error instanceof SnapshotFileError)
      throw new StartupRefusedError(`--restore ${path} is refused (${error.reason}): ${error.message}`);
    throw error;
  }
}

export function holdsData(environment: LmdbEnvironment): boolean {
  const { log, kv } = environment;
  const initial = log.initialState();
  return (
    log.lastIndex() > 0 ||
    initial.hardState.term > 0 ||
    initial.snapshot !== null ||
    kv.metadata().appliedIndex > 0
  );
}

/**
 * Seeds an empty data directory from the backup with the NEW cluster's configuration as the
 * snapshot's metadata (thesis §5.1): every member restored from the same file with the same
 * configuration starts with the same log (compacted at the file's index) and state, so they agree
 * without a transfer, and the first leader's no-op commits on top of it.
 */
export function restoreBackup(
  environment: LmdbEnvironment,
  backup: VerifiedSnapshotFile,
  configuration: Configuration,
  id: string,
  logger: Logger,
): void {
  if (holdsData(environment))
    throw new StartupRefusedError(
      `--restore only seeds an empty data directory; ${environment.directory} already holds data`,
    );
  restoreSnapshotFile(environment, backup, configuration);
  const { index, term, revision, keyCount } = backup.header;
  logger.info(
    { index, term, revision, keyCount, members: configuration.members.map((member) => member.id) },
    `${id} restored ${keyCount} keys at revision ${revision} (index ${index}, term ${term}) from a backup`,
  );
}

/**
 * Rewrites the membership to this member alone, keeping ALL of its log: a configuration entry naming
 * only itself is appended after its last entry (a server uses the latest configuration in its log,
 * committed or not: thesis §4.1), in its current term, which is ≥ every entry's term. It then elects
 * itself and its first no-op commits everything it holds. Unlike etcd, which drops entries past its
 * commit index, nothing is discarded: the durable commit index is only a lower bound here (it is
 * written lazily), so an entry past it may have been committed and acknowledged by the lost
 * majority; keeping it never loses an acknowledged write this survivor holds, and an entry that was
 * not committed had no acknowledgement (its client saw an unknown outcome). Returns false when the
 * configuration already names only this member (a restart with the flag left on).
 */
export function forceNewCluster(
  environment: LmdbEnvironment,
  addresses: SettledAddresses,
  logger: Logger,
  /** This member's CURVE public key on a secure node, stored with its addresses; null: plaintext. */
  publicKey: string | null = null,
): boolean {
  const { log, kv } = environment;
  if (!holdsData(environment))
    throw new StartupRefusedError(
      `--force-new-cluster keeps this member's data, but ${environment.directory} holds none; start a new cluster with --bootstrap`,
    );
  alignLogWithStore(environment);
  const previous = latestConfiguration(log) ?? kv.metadata().configuration;
  const self = nodeId(addresses.id);
  const configuration: Configuration = {
    members: [
      { id: self, role: 'voter', address: encodeMemberAddress({ ...addresses.advertise, key: publicKey }) },
    ],
  };
  if (
    previous !== null &&
    previous.members.length === 1 &&
    previous.members[0]!.id === self &&
    previous.members[0]!.role === 'voter'
  ) {
    logger.warn(
      `${self} is already a one-member cluster; --force-new-cluster changed nothing (remove the flag)`,
    );
    return false;
  }
  const { hardState } = log.initialState();
  const entry: Entry = {
    index: log.lastIndex() + 1,
    term: hardState.term,
    kind: 'configuration',
    configuration,
  };
  log.persist({ hardState: null, entries: [entry], snapshot: null });
  const dropped = previous?.members.filter((member) => member.id !== self).map((member) => member.id) ?? [];
  logger.warn(
    { index: entry.index, term: entry.term, removed: dropped },
    `${self} forced a new one-member cluster at index ${entry.index}, removing ${dropped.join(', ') || 'no one'}; ` +
      'add the others back with empty data directories, and do not restart the removed ones from their old data',
  );
  return true;
}

/** A store ahead of the log (a crash inside a snapshot install) moves the log's compaction point first, as RaftActor.start would. */
function alignLogWithStore(environment: LmdbEnvironment): void {
  const { log, kv } = environment;
  const applied = kv.metadata();
  if (applied.appliedIndex <= log.lastIndex() || applied.configuration === null) return;
  log.persist({
    hardState: null,
    entries: [],
    snapshot: {
      index: applied.appliedIndex,
      term: applied.appliedTerm,
      configuration: applied.configuration,
    },
  });
}

function latestConfiguration(log: LogStorage): Configuration | null {
  for (let index = log.lastIndex(); index >= log.firstIndex(); index--) {
    const [entry] = log.entries(index, index + 1, Number.MAX_SAFE_INTEGER);
    if (entry?.kind === 'configuration') return entry.configuration;
  }
  return log.initialState().snapshot?.configuration ?? null;
}
