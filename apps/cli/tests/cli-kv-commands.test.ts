// raftkv's key-value commands against a scripted fake node: what each prints, in table and JSON
// form, and the exit codes 0 ok, 1 definite failure, 2 usage error, 3 unknown outcome.
import type { ClientResponseBody } from '@raftkv/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNode, keyValue, type Script } from './fake-node.js';
import { raftkv } from './run-cli.js';

const nodes: FakeNode[] = [];

async function node(script: Script): Promise<FakeNode> {
  const started = await FakeNode.start(script);
  nodes.push(started);
  return started;
}

afterEach(() => {
  for (const started of nodes.splice(0)) started.close();
});

const read = (result: object): ClientResponseBody => ({
  ok: true,
  result: { kind: 'read', index: 4, result: { ok: true, revision: 3, result: result as never } },
});
const command = (result: object): ClientResponseBody => ({
  ok: true,
  result: { kind: 'command', index: 4, result: { ok: true, revision: 5, result: result as never } },
});

describe('raftkv key-value commands', () => {
  it('get prints just the value', async () => {
    const leader = await node(() => read({ type: 'get', keyValue: keyValue('a', '1') }));

    expect(await raftkv(['--endpoints', leader.address, 'get', 'a'])).toEqual({
      exitCode: 0,
      stdout: '1\n',
      stderr: '',
    });
  });

  it('get -o json prints the pair with its revisions', async () => {
    const leader = await node(() => read({ type: 'get', keyValue: keyValue('a', '1') }));

    const run = await raftkv(['-o', 'json', '--endpoints', leader.address, 'get', 'a']);

    expect(JSON.parse(run.stdout)).toEqual({
      key: 'a',
      value: '1',
      createRevision: 2,
      modRevision: 3,
      version: 1,
      revision: 3,
    });
  });

  it('get of a missing key says so on stderr and exits 1', async () => {
    const leader = await node(() => read({ type: 'get', keyValue: null }));

    const run = await raftkv(['--endpoints', leader.address, 'get', 'nope']);

    expect(run).toEqual({ exitCode: 1, stdout: '', stderr: 'raftkv: key "nope" not found\n' });
  });

  it('get --consistency serializable asks for a serializable read', async () => {
    const leader = await node(() => read({ type: 'get', keyValue: keyValue('a', '1') }));

    await raftkv(['--consistency', 'serializable', '--endpoints', leader.address, 'get', 'a']);

    const request = leader.requests[0];
    expect(request?.kind === 'read' && request.consistency).toBe('serializable');
  });

  it('get --min-revision sends the revision to wait for; a malformed one is a usage error', async () => {
    const member = await node(() => read({ type: 'get', keyValue: keyValue('a', '1') }));

    const run = await raftkv(['--endpoints', member.address, 'get', '--min-revision', '12', 'a']);

    expect(run).toMatchObject({ exitCode: 0, stdout: '1\n' });
    const request = member.requests[0];
    expect(request?.kind === 'read' && request.minRevision).toBe(12);
    const bad = await raftkv(['--endpoints', member.address, 'get', '--min-revision', '-3', 'a']);
    expect(bad.exitCode).toBe(2);
    expect(member.requests).toHaveLength(1);
  });

  it('get fails with exit 1 when the member has not reached --min-revision in time', async () => {
    const member = await node(() => ({
      ok: false,
      error: { code: 'revision-not-reached', message: 'this member applied revision 3, not 12' },
    }));

    const run = await raftkv(['--endpoints', member.address, 'get', '--min-revision', '12', 'a']);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('revision 3, not 12');
  });

  it('put prints OK and sends a session-stamped put', async () => {
    const leader = await node(() => command({ type: 'put', previous: null }));

    const run = await raftkv(['--endpoints', leader.address, 'put', 'a', '1']);

    expect(run).toEqual({ exitCode: 0, stdout: 'OK\n', stderr: '' });
    const request = leader.requests[0];
    expect(request?.kind === 'command' && request.command.session?.sequence).toBe(1);
  });

  it('del prints the number of keys deleted', async () => {
    const leader = await node(() => command({ type: 'delete', deleted: true, previous: null }));

    expect((await raftkv(['--endpoints', leader.address, 'del', 'a'])).stdout).toBe('1\n');
  });

  it('a write whose outcome cannot be known exits 3 with outcome-unknown', async () => {
    const silent = await node(() => 'silence');

    const run = await raftkv(['--timeout', '600', '--endpoints', silent.address, 'put', 'a', '1']);

    expect(run.exitCode).toBe(3);
    expect(run.stderr).toMatch(/^raftkv: outcome-unknown: /);
  });

  it('a read nobody answers exits 1 with unavailable', async () => {
    const silent = await node(() => 'silence');

    const run = await raftkv(['--timeout', '400', '--endpoints', silent.address, 'get', 'a']);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^raftkv: unavailable: /);
  });

  it('cas on a mismatch reports the current value and exits 1', async () => {
    const leader = await node(() =>
      command({ type: 'compareAndSwap', succeeded: false, current: keyValue('a', '2', 4) }),
    );

    const run = await raftkv(['--endpoints', leader.address, 'cas', 'a', '1', '3']);

    expect(run).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: 'raftkv: compare failed: a holds "2" (version 4)\n',
    });
  });

  it('cas --expected-version takes only the new value and sends a version expectation', async () => {
    const leader = await node(() => command({ type: 'compareAndSwap', succeeded: true, current: null }));

    const run = await raftkv(['--endpoints', leader.address, 'cas', '--expected-version', '0', 'a', 'v']);

    expect(run.stdout).toBe('OK\n');
    const request = leader.requests[0];
    const operation = request?.kind === 'command' ? request.command.operation : null;
    expect(operation?.type === 'compareAndSwap' && operation.expected).toEqual({
      target: 'version',
      value: 0,
    });
  });

  it('scan prints a table of keys and values', async () => {
    const leader = await node(() =>
      read({
        type: 'range',
        keyValues: [keyValue('user/1', 'ann'), keyValue('user/22', 'bob')],
        more: false,
      }),
    );

    const run = await raftkv(['--endpoints', leader.address, 'scan', '--prefix', 'user/', '--limit', '2']);

    expect(run.stdout).toBe(
      [
        'KEY      VALUE  VERSION  MOD-REVISION',
        'user/1   ann    1        3',
        'user/22  bob    1        3',
        '',
      ].join('\n'),
    );
    const request = leader.requests[0];
    expect(request?.kind === 'read' && request.query.type === 'range' && request.query.limit).toBe(2);
  });

  it('txn reads its spec from stdin and prints the branch taken with step results', async () => {
    const leader = await node(() =>
      command({
        type: 'transaction',
        succeeded: false,
        results: [{ type: 'get', keyValue: keyValue('a', '9') }],
      }),
    );
    const spec = {
      compares: [{ key: 'a', target: 'value', operator: '=', value: '1' }],
      success: [{ type: 'put', key: 'a', value: '2' }],
      failure: [{ type: 'get', key: 'a' }],
    };

    const run = await raftkv(['--endpoints', leader.address, 'txn'], { stdin: JSON.stringify(spec) });

    expect(run).toEqual({ exitCode: 0, stdout: 'FAILURE\nget a = 9\n', stderr: '' });
    const request = leader.requests[0];
    const operation = request?.kind === 'command' ? request.command.operation : null;
    expect(operation?.type === 'transaction' && operation.compares[0]?.operator).toBe('equal');
  });
});

describe('raftkv usage errors exit 2 and send nothing', () => {
  const cases: [string, string[], RegExp][] = [
    ['a missing argument', ['put', 'a'], /missing required argument 'value'/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['a bad output format', ['-o', 'yaml', 'get', 'a'], /Allowed choices are table, json/],
    ['a bad timeout', ['--timeout', 'soon', 'get', 'a'], /not a positive number of milliseconds/],
    [
      'cas with three values and --expected-version',
      ['cas', '--expected-version', '1', 'a', 'b', 'c'],
      /cas takes/,
    ],
    ['a bad scan limit', ['scan', '--prefix', 'a', '--limit', '-3'], /not a whole number/],
    ['a malformed txn spec', ['txn'], /compares\[0\]\.operator must be one of/],
    [
      'an endpoint that is not tcp://',
      ['--endpoints', 'http://x:1', 'get', 'a'],
      /not a tcp:\/\/host:port address/,
    ],
  ];
  for (const [what, argv, message] of cases) {
    it(`on ${what}`, async () => {
      const silent = await node(() => 'silence');
      const endpointFlag = argv.includes('--endpoints') ? [] : ['--endpoints', silent.address];
      const stdin = JSON.stringify({ compares: [{ key: 'a', target: 'value', operator: '~', value: '1' }] });

      const run = await raftkv([...endpointFlag, ...argv], { stdin });

      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(silent.requests).toEqual([]);
    });
  }
});
