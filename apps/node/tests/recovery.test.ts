// --force-new-cluster and --restore on real LMDB data directories: the survivor keeps its whole log
// and appends a configuration naming itself alone; a restore refuses a directory that holds data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCommand } from '@raftkv/kv';
import { type Configuration, type Entry, nodeId } from '@raftkv/raft';
import { type LmdbEnvironment, openLmdbEnvironment, type VerifiedSnapshotFile } from '@raftkv/storage';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { forceNewCluster, restoreBackup } from '../src/recovery.js';
import { type SettledAddresses, StartupRefusedError } from '../src/settle-addresses.js';

const logger = pino({ level: 'silent' });
const endpoints = { peer: 'tcp://127.0.0.1:1', client: 'tcp://127.0.0.1:2', http: 'http://127.0.0.1:3' };
const addresses: SettledAddresses = { id: 'n1', bind: endpoints, advertise: endpoints };
const fiveMembers: Configuration = {
  members: ['n1', 'n2', 'n3', 'n4', 'n5'].map((id) => ({
    id: nodeId(id),
    role: 'voter' as const,
    address: id,
  })),
};
const opened: Array<{ directory: string; environment: LmdbEnvironment }> = [];
afterEach(() => {
  for (const { directory, environment } of opened.splice(0)) {
    environment.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

function environment(): LmdbEnvironment {
  const directory = mkdtempSync(join(tmpdir(), 'raftkvd-recovery-'));
  const created = openLmdbEnvironment({ directory, mapSizeBytes: 64 * 1024 * 1024 });
  opened.push({ directory, environment: created });
  return created;
}

function put(index: number, term: number): Entry {
  const key = new TextEncoder().encode(`k${index}`);
  return {
    index,
    term,
    kind: 'command',
    data: encodeCommand({ operation: { type: 'put', key, value: key } }),
  };
}

describe('--force-new-cluster', () => {
  it('keeps every entry, also past the commit index, and appends a configuration of itself alone', () => {
    const env = environment();
    const entries: Entry[] = [
      { index: 1, term: 1, kind: 'configuration', configuration: fiveMembers },
      put(2, 2),
      put(3, 2),
      put(4, 3),
      put(5, 3),
    ];
    env.log.persist({
      hardState: { term: 4, votedFor: nodeId('n2'), commitIndex: 3 },
      entries,
      snapshot: null,
    });
    expect(forceNewCluster(env, addresses, logger)).toBe(true);
    expect(env.log.lastIndex()).toBe(6);
    expect(env.log.entries(1, 6, Number.MAX_SAFE_INTEGER)).toEqual(entries);
    const [appended] = env.log.entries(6, 7, Number.MAX_SAFE_INTEGER);
    expect(appended).toMatchObject({ index: 6, term: 4, kind: 'configuration' });
    expect(
      appended?.kind === 'configuration' && appended.configuration.members.map((m) => [m.id, m.role]),
    ).toEqual([['n1', 'voter']]);
    // Left on for a restart, it changes nothing more.
    expect(forceNewCluster(env, addresses, logger)).toBe(false);
    expect(env.log.lastIndex()).toBe(6);
  });

  it('refuses a data directory that holds nothing', () => {
    expect(() => forceNewCluster(environment(), addresses, logger)).toThrow(StartupRefusedError);
  });
});

describe('--restore', () => {
  it('refuses a data directory that already holds a log', () => {
    const env = environment();
    env.log.persist({
      hardState: { term: 1, votedFor: null, commitIndex: 0 },
      entries: [{ index: 1, term: 1, kind: 'configuration', configuration: fiveMembers }],
      snapshot: null,
    });
    const backup = { header: { index: 1 } } as unknown as VerifiedSnapshotFile;
    expect(() => restoreBackup(env, backup, fiveMembers, 'n1', logger)).toThrow(
      /only seeds an empty data directory/,
    );
  });
});
