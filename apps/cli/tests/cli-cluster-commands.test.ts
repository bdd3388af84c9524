// raftkv's cluster commands and global behaviour against scripted fake nodes: status and members
// tables, --verbose redirects, the default endpoints from the local cluster's state file, and the
// real process's exit code.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { MemberAlarm } from '@raftkv/kv';
import type { ClientResponseBody, NodeAlarm } from '@raftkv/protocol';
import { type NodeStatus, nodeId } from '@raftkv/raft';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNode, keyValue, type Script } from './fake-node.js';
import { raftkv } from './run-cli.js';

const nodes: FakeNode[] = [];
const directories: string[] = [];

async function node(script: Script): Promise<FakeNode> {
  const started = await FakeNode.start(script);
  nodes.push(started);
  return started;
}

afterEach(() => {
  for (const started of nodes.splice(0)) started.close();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function status(
  id: string,
  role: NodeStatus['role'],
  commitIndex: number,
  appliedIndex: number,
  alarms: NodeAlarm[] = [],
  clusterAlarms: MemberAlarm[] = [],
): ClientResponseBody {
  return {
    ok: true,
    result: {
      kind: 'status',
      alarms,
      clusterAlarms,
      status: {
        id: nodeId(id),
        role,
        term: 3,
        leaderId: nodeId('n1'),
        votedFor: null,
        commitIndex,
        appliedIndex,
        firstIndex: 1,
        lastIndex: commitIndex,
        configuration: { members: [] },
        progress: null,
        leadershipTransferTarget: null,
      },
    },
  };
}

function membersAnswer(clients: (string | null)[]): ClientResponseBody {
  return {
    ok: true,
    result: {
      kind: 'members',
      leaderId: nodeId('n1'),
      configuration: {
        members: clients.map((client, index) => ({
          id: nodeId(`n${index + 1}`),
          role: 'voter' as const,
          address: JSON.stringify({ peer: `tcp://127.0.0.1:${7001 + index}`, client, http: null }),
        })),
      },
    },
  };
}

describe('raftkv cluster commands', () => {
  it('status prints one row per member with lag against the leader’s commit index', async () => {
    const follower = await node(() => status('n2', 'follower', 10, 7));
    const leader: FakeNode = await node((request) =>
      request.kind === 'status'
        ? status('n1', 'leader', 12, 12)
        : membersAnswer([leader.address, follower.address, null]),
    );

    const run = await raftkv(['--endpoints', leader.address, 'status']);

    const rows = run.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/));
    expect(rows.map((row) => row.slice(0, 6))).toEqual([
      ['ID', 'ROLE', 'TERM', 'COMMIT', 'APPLIED', 'LAG'],
      ['n1', 'leader', '3', '12', '12', '0'],
      ['n2', 'follower', '3', '10', '7', '5'],
      ['n3', 'unreachable', '-', '-', '-', '-'],
    ]);
    expect(run.stderr).toBe('raftkv: n3: no client address known\n');
    expect(run.exitCode).toBe(0);
  });

  it("status shows a member's no-space alarm, and alarm list prints one row per alarm, recorded or not", async () => {
    const alarm: NodeAlarm = {
      alarm: 'no-space',
      reason: 'disk-full',
      since: '2026-01-01T00:00:00.000Z',
      message: 'wal: persist refused: the disk is full',
    };
    // n3's alarm is recorded in the cluster (n3 itself unreachable); n2's is raised but not recorded yet.
    const recorded: MemberAlarm = {
      member: 'n3',
      alarm: 'no-space',
      reason: 'map-full',
      since: '2026-01-01T00:00:01.000Z',
    };
    const follower = await node(() => status('n2', 'follower', 10, 7, [alarm], [recorded]));
    const leader: FakeNode = await node((request) =>
      request.kind === 'status'
        ? status('n1', 'leader', 12, 12, [], [recorded])
        : membersAnswer([leader.address, follower.address]),
    );

    const statusRun = await raftkv(['--endpoints', leader.address, 'status']);
    const rows = statusRun.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/));
    expect(rows.map((row) => [row[0], row.at(-1)])).toEqual([
      ['ID', 'ALARM'],
      ['n1', '-'],
      ['n2', 'no-space(disk-full)'],
    ]);

    const list = await raftkv(['--endpoints', leader.address, 'alarm', 'list']);
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/)),
    ).toEqual([
      ['MEMBER', 'ALARM', 'REASON', 'SINCE', 'CLUSTER', 'LOCAL'],
      ['n2', 'no-space', 'disk-full', '2026-01-01T00:00:00.000Z', '-', 'raised'],
      ['n3', 'no-space', 'map-full', '2026-01-01T00:00:01.000Z', 'active', '?'],
    ]);
    expect(list.exitCode).toBe(0);
    const json = await raftkv(['-o', 'json', '--endpoints', leader.address, 'alarm', 'list']);
    expect(JSON.parse(json.stdout)).toEqual([
      { member: 'n2', ...alarm, cluster: false, local: true },
      { ...recorded, cluster: true, local: null },
    ]);
  });

  it("alarm disarm clears every alarm, or one member's with --member, and prints what stays active", async () => {
    const left: MemberAlarm = { member: 'n2', alarm: 'no-space', reason: 'disk-full', since: 'x' };
    const leader = await node((request) =>
      request.kind === 'command' && request.command.operation.type === 'alarm'
        ? {
            ok: true,
            result: {
              kind: 'command',
              index: 9,
              result: {
                ok: true,
                revision: 3,
                result: { type: 'alarm', alarms: request.command.operation.member === null ? [] : [left] },
              },
            },
          }
        : { ok: false, error: { code: 'bad-request', message: 'unexpected' } },
    );
    const all = await raftkv(['--endpoints', leader.address, 'alarm', 'disarm']);
    expect(all).toEqual({ exitCode: 0, stdout: 'no alarm is active\n', stderr: '' });
    const one = await raftkv(['--endpoints', leader.address, 'alarm', 'disarm', '--member', 'n3']);
    expect(one.stdout).toBe('still active: n2 no-space(disk-full)\n');
    expect(leader.requests.map((request) => request.kind === 'command' && request.command.operation)).toEqual(
      [
        { type: 'alarm', action: 'deactivate', alarm: 'no-space', member: null },
        { type: 'alarm', action: 'deactivate', alarm: 'no-space', member: 'n3' },
      ],
    );
  });

  it('alarm list prints nothing when no member has raised one', async () => {
    const leader: FakeNode = await node((request) =>
      request.kind === 'status' ? status('n1', 'leader', 12, 12) : membersAnswer([leader.address]),
    );
    const run = await raftkv(['--endpoints', leader.address, 'alarm', 'list']);
    expect([run.exitCode, run.stdout, run.stderr]).toEqual([0, '', '']);
  });

  it('members list -o json prints the configuration with client addresses', async () => {
    const leader = await node(() => membersAnswer(['tcp://127.0.0.1:8001']));

    const run = await raftkv(['-o', 'json', '--endpoints', leader.address, 'members', 'list']);

    const printed = JSON.parse(run.stdout);
    expect(printed.leaderId).toBe('n1');
    expect(printed.members[0]).toMatchObject({
      id: 'n1',
      role: 'voter',
      clientAddress: 'tcp://127.0.0.1:8001',
    });
  });

  it('members add stores raftkvd’s JSON address when client and HTTP addresses are given', async () => {
    const leader = await node(() => ({ ok: true, result: { kind: 'changeMembership', index: 9 } }));

    const run = await raftkv([
      '--endpoints',
      leader.address,
      'members',
      'add',
      'n4',
      'tcp://10.0.0.4:7001',
      '--client-addr',
      'tcp://10.0.0.4:8001',
      '--http-addr',
      'http://10.0.0.4:9001',
    ]);

    expect(run.stdout).toBe('added learner n4 (index 9)\n');
    const request = leader.requests[0];
    const change = request?.kind === 'changeMembership' ? request.change : null;
    expect(change?.type === 'addLearner' && JSON.parse(change.address)).toEqual({
      peer: 'tcp://10.0.0.4:7001',
      client: 'tcp://10.0.0.4:8001',
      http: 'http://10.0.0.4:9001',
    });
  });

  it('members remove reports a lasting rejection and exits 1', async () => {
    const leader = await node(() => ({
      ok: false,
      error: { code: 'rejected', reason: 'invalid-membership-change', message: 'n9 is not a member' },
    }));

    const run = await raftkv(['--endpoints', leader.address, 'members', 'remove', 'n9']);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/rejected: .*n9 is not a member/);
  });

  it('leader transfer asks the leader, then waits until the target leads', async () => {
    let transferred = false;
    const leader = await node((request) => {
      if (request.kind === 'transferLeadership') {
        transferred = request.to === 'n2';
        return { ok: true, result: { kind: 'transferLeadership' } };
      }
      const answer = membersAnswer([null, null]);
      return answer.ok && answer.result.kind === 'members' && transferred
        ? { ok: true, result: { ...answer.result, leaderId: nodeId('n2') } }
        : answer;
    });

    const run = await raftkv(['--endpoints', leader.address, 'leader', 'transfer', 'n2']);

    expect(run).toEqual({ exitCode: 0, stdout: 'n2 is now the leader\n', stderr: '' });
  });

  it('leader transfer to the node that already leads succeeds without waiting', async () => {
    const leader = await node(() => ({
      ok: false,
      error: { code: 'rejected', reason: 'already-leader', message: 'n1 already leads' },
    }));

    expect((await raftkv(['--endpoints', leader.address, 'leader', 'transfer', 'n1'])).exitCode).toBe(0);
  });

  it('--verbose prints each redirect followed on stderr', async () => {
    const leader = await node(() => ({
      ok: true,
      result: {
        kind: 'read',
        index: 1,
        result: { ok: true, revision: 1, result: { type: 'get', keyValue: keyValue('a', '1') } },
      },
    }));
    const follower = await node(() => ({
      ok: false,
      error: {
        code: 'not-leader',
        leaderId: nodeId('n1'),
        leaderClientAddress: leader.address,
        message: 'follower',
      },
    }));

    const run = await raftkv(['--verbose', '--endpoints', follower.address, 'get', 'a']);

    expect(run.stdout).toBe('1\n');
    expect(run.stderr).toBe(`raftkv: redirected from ${follower.address} to ${leader.address} (leader n1)\n`);
  });
});

describe('raftkv endpoints and process', () => {
  it('defaults --endpoints to the client addresses in .cluster/cluster.json of a parent directory', async () => {
    const leader = await node(() => ({
      ok: true,
      result: {
        kind: 'read',
        index: 1,
        result: { ok: true, revision: 1, result: { type: 'get', keyValue: keyValue('a', '7') } },
      },
    }));
    const root = mkdtempSync(join(tmpdir(), 'raftkv-cli-'));
    directories.push(root);
    mkdirSync(join(root, '.cluster'));
    mkdirSync(join(root, 'deep', 'er'), { recursive: true });
    writeFileSync(
      join(root, '.cluster', 'cluster.json'),
      JSON.stringify({ nodes: [{ id: 'n1', client: leader.address }] }),
    );

    expect((await raftkv(['get', 'a'], { cwd: join(root, 'deep', 'er') })).stdout).toBe('7\n');
  });

  it('without --endpoints or a local cluster says how to get one and exits 2', async () => {
    const root = mkdtempSync(join(tmpdir(), 'raftkv-cli-'));
    directories.push(root);

    const run = await raftkv(['get', 'a'], { cwd: root });

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/pass --endpoints .*npm start/i);
  });

  it('the real process exits 2 on a usage error and 0 on --help', () => {
    const workspaceRoot = resolve(import.meta.dirname, '../../..');
    const run = (argv: string[]) =>
      spawnSync(
        process.execPath,
        ['--conditions=@raftkv/source', '--import', 'tsx', 'apps/cli/src/main.ts', ...argv],
        {
          cwd: workspaceRoot,
          encoding: 'utf8',
          timeout: 20_000,
        },
      );

    const usage = run(['put', 'only-a-key']);
    const help = run(['--help']);

    expect([usage.status, usage.stderr]).toEqual([
      2,
      expect.stringMatching(/missing required argument 'value'/),
    ]);
    expect([help.status, help.stdout]).toEqual([0, expect.stringMatching(/^Usage: raftkv/)]);
  });
});
