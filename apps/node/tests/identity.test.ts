// A node's identity is fixed at first start, kept in the data directory, and contradicting flags
// on restart are refused; one process per data directory.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type NodeConfig, parseConfig } from '../src/config.js';
import { DataDirLockedError, lockDataDir } from '../src/data-dir-lock.js';
import {
  IdentityFileError,
  identityPath,
  type NodeIdentity,
  readIdentity,
  writeIdentity,
} from '../src/identity.js';
import { planStartup } from '../src/startup-plan.js';

let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'raftkvd-identity-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const identity: NodeIdentity = {
  id: 'n1',
  bind: { peer: 'tcp://0.0.0.0:40001', client: 'tcp://0.0.0.0:40002', http: 'http://0.0.0.0:40003' },
  advertise: { peer: 'tcp://10.0.0.1:40001', client: 'tcp://10.0.0.1:40002', http: 'http://10.0.0.1:40003' },
  join: null,
};

function settings(argv: string[]): NodeConfig {
  const parsed = parseConfig({ argv: ['--data-dir', dataDir, ...argv], env: {}, readFile: () => '' });
  if (parsed.kind !== 'run') throw new Error(parsed.stderr);
  return parsed.config;
}

describe('identity file', () => {
  it('round-trips and leaves no temporary file behind', () => {
    expect(readIdentity(dataDir)).toBeNull();
    writeIdentity(dataDir, identity);
    expect(readIdentity(dataDir)).toEqual(identity);
    expect(readdirSync(dataDir)).toEqual(['raftkvd.json']);
  });

  it('refuses a damaged identity file instead of guessing', () => {
    writeFileSync(identityPath(dataDir), '{"formatVersion":1,"id":"n1"');
    expect(() => readIdentity(dataDir)).toThrow(IdentityFileError);
    writeFileSync(identityPath(dataDir), JSON.stringify({ formatVersion: 1, id: 'n1' }));
    expect(() => readIdentity(dataDir)).toThrow(/is damaged/);
  });
});

describe('startup plan', () => {
  it('restarts from the stored identity with only --data-dir', () => {
    const planned = planStartup(settings([]), identity);
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    expect(planned.plan.id).toBe('n1');
    expect(planned.plan.firstStart).toBe(false);
    expect(planned.plan.bind.peer).toEqual({ host: '0.0.0.0', port: 40001 });
    expect(planned.plan.advertise.http).toEqual({ host: '10.0.0.1', port: 40003 });
  });

  it('refuses to start a data directory under a different --id', () => {
    expect(planStartup(settings(['--id', 'n2']), identity)).toEqual({
      ok: false,
      message: `${dataDir} belongs to node n1; refusing to start it as n2`,
    });
  });

  it('refuses a bind address that differs from the stored one, but accepts the same or port 0', () => {
    const moved = planStartup(settings(['--peer-addr', 'tcp://0.0.0.0:5']), identity);
    expect(moved.ok).toBe(false);
    if (!moved.ok)
      expect(moved.message).toMatch(/--peer-addr tcp:\/\/0.0.0.0:5 differs from tcp:\/\/0.0.0.0:40001/);
    expect(planStartup(settings(['--peer-addr', 'tcp://0.0.0.0:40001']), identity).ok).toBe(true);
    expect(planStartup(settings(['--peer-addr', 'tcp://0.0.0.0:0']), identity).ok).toBe(true);
  });

  it('needs --id and a way into a cluster on first start', () => {
    expect(planStartup(settings(['--bootstrap']), null)).toMatchObject({
      ok: false,
      message: /--id is required/,
    });
    expect(planStartup(settings(['--id', 'n1']), null)).toMatchObject({
      ok: false,
      message: 'a new data directory needs one of --bootstrap, --initial-cluster or --join',
    });
  });

  it('binds its own --initial-cluster addresses unless flags say otherwise', () => {
    const cluster = 'n1=tcp://127.0.0.1:7101,tcp://127.0.0.1:8101,http://127.0.0.1:9101';
    const planned = planStartup(settings(['--id', 'n1', '--initial-cluster', cluster]), null);
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    expect(planned.plan.bind.client).toEqual({ host: '127.0.0.1', port: 8101 });
    expect(planned.plan.bootstrap).toMatchObject({ kind: 'initial-cluster' });
  });
});

describe('data directory lock', () => {
  it('refuses a second owner while the first holds it, and is free again after release', () => {
    const lock = lockDataDir(dataDir);
    // The lock belongs to this process; a live other PID (our parent) must be refused.
    writeFileSync(join(dataDir, 'raftkvd.lock'), `${process.ppid}\n`);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    lock.release();
    lockDataDir(dataDir).release();
  });

  it('takes over a stale lock whose process is gone', () => {
    writeFileSync(join(dataDir, 'raftkvd.lock'), '999999999\n');
    expect(() => lockDataDir(dataDir).release()).not.toThrow();
  });
});
