// What raftkvd tells the operator when its storage refuses to open or to take a write: the file and
// the reason the storage layer gave, then what to do about it. Pure: builds text, never exits.
import {
  StorageCorruptionError,
  type StorageError,
  StorageFormatVersionError,
  StorageFullError,
} from '@raftkv/storage';

/** The README section that walks through replacing a member's damaged data. */
export const rebuildGuide = `apps/node/README.md "Rebuilding a member"`;

export interface StorageContext {
  /** The member's id, when known (from --id or the data directory's identity file). */
  readonly id: string | null;
  readonly dataDir: string;
  readonly mapSizeMb: number;
}

/** One message for a storage failure: the storage layer's own words, then the operator's next step. */
export function storageFailureMessage(error: StorageError, context: StorageContext): string {
  return `${error.message}\n${storageAdvice(error, context)}`;
}

function storageAdvice(error: StorageError, context: StorageContext): string {
  const member = context.id ?? 'this member';
  if (error instanceof StorageFullError) {
    switch (error.reason) {
      case 'disk-full':
        return (
          `What to do: free space on the disk holding ${context.dataDir}; a running member clears its ` +
          'no-space alarm by itself, a stopped one starts again with the same --data-dir. Everything ' +
          'synced before the failure is kept.'
        );
      case 'map-full':
        return (
          `What to do: start raftkvd again with a larger --map-size-mb (now ${context.mapSizeMb}) and ` +
          `enough free disk space for it; the data in ${context.dataDir} is intact.`
        );
      case 'transaction-full':
        return (
          `What to do: the data in ${context.dataDir} is intact; start raftkvd again with the same ` +
          '--data-dir. If it stops the same way, one turn applies more than LMDB takes in one ' +
          'transaction: keep this log for the report.'
        );
    }
  }
  if (error instanceof StorageFormatVersionError) {
    return (
      `What to do: run a raftkvd build that reads format version ${error.foundVersion} on ${context.dataDir}, ` +
      `or rebuild ${member} from the rest of the cluster: see ${rebuildGuide}.`
    );
  }
  if (error instanceof StorageCorruptionError) {
    return (
      `${member}'s data in ${context.dataDir} is damaged; raftkvd does not repair it, because a member ` +
      `must never vote or acknowledge with a log it has lost. What to do: rebuild ${member} from the ` +
      `rest of the cluster — remove it (raftkv members remove ${member}), move ${context.dataDir} ` +
      `aside, start it again under the same --id with an empty --data-dir and --join <a member>; ` +
      `see ${rebuildGuide}.`
    );
  }
  return (
    `What to do: check that ${context.dataDir} is on a healthy, writable file system, then start ` +
    `raftkvd again; if the error names damaged data, rebuild ${member}: see ${rebuildGuide}.`
  );
}
