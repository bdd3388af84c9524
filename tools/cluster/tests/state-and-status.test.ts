// The launcher's state file round-trips and refuses foreign content; the status table and the agreed
// leader come from /status answers; base-port allocation skips ports in use.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agreedLeader, formatTable, type NodeReport } from '../src/cluster-status.js';
import { freePorts } from '../src/free-ports.js';
import {
  type ClusterState,
  readState,
  StateFileError,
  statePath,
  updateNode,
  writeState,
} from '../src/state-file.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function directory(): string {
  const created = mkdtempSync(join(tmpdir(), 'raftkv-cluster-state-'));
  directories.push(created);
  return created;
}

const node = (id: string, pid: number | null) => ({
  id,
  pid,
  dataDir: `/d/${id}`,
  logFile: `/d/logs/${id}.log`,
  peer: 'tcp://127.0.0.1:1',
  client: 'tcp://127.0.0.1:2',
  http: 'http://127.0.0.1:3',
});

const report = (id: string, role: string, leader: string | null): NodeReport => ({
  id,
  pid: 1,
  http: 'http://127.0.0.1:3',
  status: {
    role,
    term: 2,
    leader: leader === null ? null : { id: leader },
    commitIndex: 5,
    appliedIndex: 5,
    firstIndex: 1,
    lastIndex: 5,
    members: [],
  },
});

describe('cluster state file', () => {
  it('round-trips and updates one node', () => {
    const root = directory();
    expect(readState(root)).toBeNull();
    const state: ClusterState = {
      version: 1,
      launcherPid: 10,
      mode: 'dist',
      nodes: [node('n1', 11), node('n2', 12)],
    };
    writeState(root, state);
    expect(readState(root)).toEqual(state);
    expect(updateNode(root, 'n2', { pid: null }).nodes[1]!.pid).toBeNull();
    expect(readState(root)?.nodes[0]?.pid).toBe(11);
  });

  it('refuses a file that is not a cluster state', () => {
    const root = directory();
    writeFileSync(statePath(root), '{"version":1,"nodes":"no"}');
    expect(() => readState(root)).toThrow(StateFileError);
    writeFileSync(statePath(root), 'not json');
    expect(() => readState(root)).toThrow(/not valid JSON/);
  });
});

describe('cluster status', () => {
  it('finds the leader every answering node agrees on', () => {
    expect(agreedLeader([report('n1', 'leader', 'n1'), report('n2', 'follower', 'n1')])).toBe('n1');
    expect(agreedLeader([report('n1', 'leader', 'n1'), report('n2', 'follower', null)])).toBeNull();
    expect(agreedLeader([report('n1', 'follower', null)])).toBeNull();
    expect(
      agreedLeader([report('n1', 'leader', 'n1'), { id: 'n2', pid: null, http: 'x', status: null }]),
    ).toBe('n1');
  });

  it('renders one row per node, down nodes included', () => {
    const table = formatTable([
      report('n1', 'leader', 'n1'),
      { id: 'n2', pid: null, http: 'http://h:9', status: null },
    ]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^ID\s+PID\s+STATE\s+ROLE\s+TERM\s+LEADER\s+COMMIT\s+APPLIED\s+HTTP$/);
    expect(lines[1]).toMatch(/^n1\s+1\s+up\s+leader\s+2\s+n1\s+5\s+5\s+http:\/\/127.0.0.1:3$/);
    expect(lines[2]).toMatch(/^n2\s+-\s+down\s+-/);
  });
});

describe('port allocation', () => {
  it('counts up from a base port and skips ports in use', async () => {
    const [base] = await freePorts(1, '127.0.0.1', null);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(base!, '127.0.0.1', resolve));
    try {
      const ports = await freePorts(2, '127.0.0.1', base!);
      expect(ports).not.toContain(base);
      expect(ports.every((port) => port > base!)).toBe(true);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
