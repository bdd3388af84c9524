// KvClient's typed results and errors against scripted fake nodes: what each call sends and how each
// answer maps to a result value or a KvClientError with a code.
import { KvClient, KvClientError } from '@raftkv/client';
import type { NodeStatus } from '@raftkv/raft';
import { nodeId } from '@raftkv/raft';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNode, keyValue, okCommand, okRead, type Script } from './fake-node.js';

const nodes: FakeNode[] = [];
const clients: KvClient[] = [];

async function fakeNode(script: Script): Promise<FakeNode> {
  const node = await FakeNode.start(script);
  nodes.push(node);
  return node;
}

function client(endpoints: string[]): KvClient {
  const created = new KvClient({ endpoints, attemptTimeoutMs: 300, timeoutMs: 3000 });
  clients.push(created);
  return created;
}

afterEach(() => {
  for (const created of clients.splice(0)) created.close();
  for (const node of nodes.splice(0)) node.close();
});

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

function nodeStatus(id: string, role: NodeStatus['role']): NodeStatus {
  return {
    id: nodeId(id),
    role,
    term: 2,
    leaderId: nodeId('n1'),
    votedFor: null,
    commitIndex: 10,
    appliedIndex: 9,
    firstIndex: 1,
    lastIndex: 10,
    configuration: { members: [] },
    progress: null,
    leadershipTransferTarget: null,
  };
}

describe('KvClient results', () => {
  it('get maps a missing key to found: false', async () => {
    const node = await fakeNode(() =>
      okRead({ ok: true, revision: 4, result: { type: 'get', keyValue: null } }),
    );
    expect(await client([node.address]).get('nope')).toEqual({ found: false, revision: 4 });
  });

  it('cas with an expected value reports a mismatch as succeeded: false with the current pair', async () => {
    const node = await fakeNode(() =>
      okCommand({
        ok: true,
        revision: 6,
        result: { type: 'compareAndSwap', succeeded: false, current: keyValue('a', '2') },
      }),
    );

    const result = await client([node.address]).cas('a', { value: '1' }, '3');

    expect(result.succeeded).toBe(false);
    expect(result.succeeded ? null : text(result.current?.value)).toBe('2');
    const operation = node.requestsOf('command')[0]?.command.operation;
    expect(operation?.type === 'compareAndSwap' && operation.expected.target).toBe('value');
  });

  it('cas with an expected version sends a version expectation', async () => {
    const node = await fakeNode(() =>
      okCommand({
        ok: true,
        revision: 6,
        result: { type: 'compareAndSwap', succeeded: true, current: null },
      }),
    );

    expect(await client([node.address]).cas('a', { version: 0 }, 'v')).toEqual({
      succeeded: true,
      revision: 6,
    });
    const operation = node.requestsOf('command')[0]?.command.operation;
    expect(operation?.type === 'compareAndSwap' && operation.expected).toEqual({
      target: 'version',
      value: 0,
    });
  });

  it('range with a prefix asks for [prefix, prefixEnd) and returns pairs and more', async () => {
    const node = await fakeNode(() =>
      okRead({
        ok: true,
        revision: 2,
        result: { type: 'range', keyValues: [keyValue('ab', '1')], more: true },
      }),
    );

    const result = await client([node.address]).range({ prefix: 'a', limit: 1 });

    expect(result.more).toBe(true);
    expect(result.keyValues.map((pair) => text(pair.key))).toEqual(['ab']);
    const query = node.requestsOf('read')[0]?.query;
    expect(query?.type === 'range' && [text(query.start), text(query.end ?? undefined), query.limit]).toEqual(
      ['a', 'b', 1],
    );
  });

  it('txn sends compares and both branches and returns the branch results', async () => {
    const node = await fakeNode(() =>
      okCommand({
        ok: true,
        revision: 8,
        result: { type: 'transaction', succeeded: true, results: [{ type: 'put', previous: null }] },
      }),
    );

    const result = await client([node.address]).txn({
      compares: [{ key: 'a', target: 'version', operator: 'equal', value: 0 }],
      success: [{ type: 'put', key: 'a', value: '1' }],
      failure: [{ type: 'get', key: 'a' }],
    });

    expect(result).toEqual({ revision: 8, succeeded: true, results: [{ type: 'put', previous: null }] });
    const operation = node.requestsOf('command')[0]?.command.operation;
    expect(
      operation?.type === 'transaction' && [operation.success[0]?.type, operation.failure[0]?.type],
    ).toEqual(['put', 'get']);
  });

  it('a lasting rejection is a definite KvClientError carrying its reason', async () => {
    const node = await fakeNode(() => ({
      ok: false,
      error: { code: 'rejected', reason: 'not-a-voter', message: 'n4 is a learner' },
    }));

    const error = (await client([node.address])
      .transferLeadership('n4')
      .catch((caught: unknown) => caught)) as KvClientError;

    expect(error).toBeInstanceOf(KvClientError);
    expect([error.code, error.reason]).toEqual(['rejected', 'not-a-voter']);
  });

  it('rejects bad options with invalid-argument', () => {
    expect(() => new KvClient({ endpoints: [] })).toThrow(KvClientError);
    expect(() => new KvClient({ endpoints: ['localhost:1'] })).toThrow(/tcp:\/\/host:port/);
    expect(() => new KvClient({ endpoints: ['tcp://127.0.0.1:1'], timeoutMs: -1 })).toThrow(/timeoutMs/);
  });

  it('refuses a string key or value holding a lone surrogate before sending anything', async () => {
    const node = await fakeNode(() =>
      okCommand({ ok: true, revision: 2, result: { type: 'put', previous: null } }),
    );
    const kv = client([node.address]);
    for (const call of [() => kv.put('\ud800x', 'v'), () => kv.put('k', 'v\udfff'), () => kv.get('\udc00')]) {
      const error = (await call().catch((caught: unknown) => caught)) as KvClientError;
      expect(error).toBeInstanceOf(KvClientError);
      expect(error.code).toBe('invalid-argument');
      expect(error.message).toMatch(/lone UTF-16 surrogate/);
    }
    expect(node.requests).toEqual([]);
    // A surrogate pair is one code point and goes through.
    await kv.put('\u{1f600}', 'v');
    expect(node.requests).toHaveLength(1);
  });

  it('members parses client addresses and clusterStatus asks every member', async () => {
    const second = await fakeNode(() => ({
      ok: true,
      result: { kind: 'status', status: nodeStatus('n2', 'follower') },
    }));
    const first: FakeNode = await fakeNode((request) => {
      if (request.kind === 'status')
        return { ok: true, result: { kind: 'status', status: nodeStatus('n1', 'leader') } };
      const address = (client: string | null) =>
        JSON.stringify({ peer: 'tcp://127.0.0.1:1', client, http: null });
      return {
        ok: true,
        result: {
          kind: 'members',
          leaderId: nodeId('n1'),
          configuration: {
            members: [
              { id: nodeId('n1'), role: 'voter', address: address(first.address) },
              { id: nodeId('n2'), role: 'voter', address: address(second.address) },
              { id: nodeId('n3'), role: 'learner', address: 'tcp://127.0.0.1:2' },
            ],
          },
        },
      };
    });

    const rows = await client([first.address]).clusterStatus();

    expect(rows.map((row) => [row.id, row.ok ? row.status.role : row.error])).toEqual([
      ['n1', 'leader'],
      ['n2', 'follower'],
      ['n3', 'no client address known'],
    ]);
  });

  it('close() fails waiting requests with closed', async () => {
    const node = await fakeNode(() => 'silence');
    const kv = client([node.address]);
    const pending = kv.get('a').catch((caught: unknown) => caught);

    kv.close();

    expect(((await pending) as KvClientError).code).toBe('closed');
  });
});
