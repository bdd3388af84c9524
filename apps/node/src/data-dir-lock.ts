// One raftkvd per data directory: <data-dir>/raftkvd.lock holds the owner's PID. LMDB itself lets
// several processes open one environment, and two processes acting as the same Raft member would
// break the protocol's one-vote-per-term guarantee (paper §5.2), so a live owner is a hard refusal.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const lockFileName = 'raftkvd.lock';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

export interface DataDirLock {
  release(): void;
}

/** Takes the lock, taking over a stale one whose process is gone. Throws DataDirLockedError if held. */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, lockFileName);
  if (!maybeCreate(path)) {
    const owner = Number.parseInt(readOwner(path), 10);
    if (Number.isSafeInteger(owner) && owner !== process.pid && isAlive(owner)) {
      throw new DataDirLockedError(
        `${dataDir} is in use by process ${owner} (${path}); stop it first, or delete the lock file if no raftkvd runs there`,
      );
    }
    writeFileSync(path, `${process.pid}\n`);
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      rmSync(path, { force: true });
    },
  };
}

function maybeCreate(path: string): boolean {
  try {
    writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function readOwner(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
