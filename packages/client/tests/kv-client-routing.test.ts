// KvClient's leader discovery against scripted fake nodes: redirects, the hop limit, rotation past
// an unreachable endpoint, and many requests in flight on one client.
import { KvClient, KvClientError, type RedirectEvent } from '@raftkv/client';
import { afterEach, describe, expect, it } from 'vitest';
import { deadAddress, FakeNode, keyValue, notLeader, okRead, putApplied, type Script } from './fake-node.js';

const nodes: FakeNode[] = [];
const clients: KvClient[] = [];

async function fakeNode(script: Script): Promise<FakeNode> {
  const node = await FakeNode.start(script);
  nodes.push(node);
  return node;
}

function client(options: ConstructorParameters<typeof KvClient>[0]): KvClient {
  const created = new KvClient({ attemptTimeoutMs: 300, timeoutMs: 4000, ...options });
  clients.push(created);
  return created;
}

afterEach(() => {
  for (const created of clients.splice(0)) created.close();
  for (const node of nodes.splice(0)) node.close();
});

const getAnswer = okRead({
  ok: true,
  revision: 3,
  result: { type: 'get', keyValue: keyValue('a', '1', 3) },
});

describe('KvClient leader discovery', () => {
  it('follows a follower’s not-leader redirect to the leader and remembers it', async () => {
    const leader = await fakeNode(() => putApplied);
    const follower = await fakeNode(() => notLeader(leader.address));
    const redirects: RedirectEvent[] = [];
    const kv = client({ endpoints: [follower.address], onRedirect: (event) => redirects.push(event) });

    expect(await kv.put('a', '1')).toEqual({ revision: 7, previous: null });
    expect(await kv.put('b', '2')).toEqual({ revision: 7, previous: null });

    expect(redirects).toEqual([{ from: follower.address, to: leader.address, leaderId: null }]);
    expect(follower.requests).toHaveLength(1);
    expect(leader.requestsOf('command')).toHaveLength(2);
  });

  it('gives up with too-many-redirects after maxRedirects hops between nodes that each name the other', async () => {
    const first = await fakeNode(() => 'silence');
    const second = await fakeNode(() => notLeader(first.address));
    first.script = () => notLeader(second.address);
    const kv = client({ endpoints: [first.address], maxRedirects: 3 });

    const error = await kv.put('a', '1').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(KvClientError);
    expect((error as KvClientError).code).toBe('too-many-redirects');
    expect(first.requests.length + second.requests.length).toBe(4);
  });

  it('rotates past an unreachable endpoint to one that answers', async () => {
    const live = await fakeNode(() => getAnswer);
    const kv = client({ endpoints: [await deadAddress(), live.address] });

    const result = await kv.get('a');

    expect(result.found).toBe(true);
    expect(live.requestsOf('read')).toHaveLength(1);
  });

  it('retries a node without a known leader on the next endpoint, then reports unavailable', async () => {
    const first = await fakeNode(() => notLeader(null));
    const second = await fakeNode(() => notLeader(null));
    const kv = client({ endpoints: [first.address, second.address], timeoutMs: 600 });

    const error = (await kv.put('a', '1').catch((caught: unknown) => caught)) as KvClientError;

    // Every attempt was refused before reaching a log: a definite failure, not outcome-unknown.
    expect(error.code).toBe('unavailable');
    expect(first.requests.length).toBeGreaterThan(0);
    expect(second.requests.length).toBeGreaterThan(0);
  });

  it('tries the other endpoints after a no-space answer, and reports no-space when every one gave it', async () => {
    const noSpace = { ok: false as const, error: { code: 'no-space' as const, message: 'disk full' } };
    const full = await fakeNode(() => noSpace);
    const leader = await fakeNode(() => putApplied);
    const kv = client({ endpoints: [full.address, leader.address] });
    expect(await kv.put('a', '1')).toEqual({ revision: 7, previous: null });
    expect(full.requests).toHaveLength(1);

    const alsoFull = await fakeNode(() => noSpace);
    const allFull = client({ endpoints: [full.address, alsoFull.address] });
    const error = await allFull.put('a', '1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KvClientError);
    expect((error as KvClientError).code).toBe('no-space');
    expect(alsoFull.requests).toHaveLength(1);

    // A member that knew no leader yet (the others electing one) is asked again, not given up on.
    let electing = true;
    const next = await fakeNode(() => {
      if (!electing) return putApplied;
      electing = false; // it knows no leader at the first attempt, and leads by the next
      return notLeader(null);
    });
    const duringElection = client({ endpoints: [full.address, next.address] });
    expect(await duringElection.put('b', '2')).toEqual({ revision: 7, previous: null });
    expect(next.requests).toHaveLength(2);
  });

  it('sends serializable reads to the endpoint in turn without asking for the leader', async () => {
    const follower = await fakeNode((request) => (request.kind === 'read' ? getAnswer : notLeader(null)));
    const kv = client({ endpoints: [follower.address], consistency: 'serializable' });

    await kv.get('a');
    await kv.get('a', { consistency: 'linearizable' }).catch(() => undefined);

    const reads = follower.requestsOf('read');
    expect(reads[0]?.consistency).toBe('serializable');
    expect(reads[1]?.consistency).toBe('linearizable');
  });

  it('sends linearizable reads to the endpoint in turn, not to the leader it knows', async () => {
    const leader = await fakeNode((request) => (request.kind === 'read' ? getAnswer : putApplied));
    const follower = await fakeNode((request) =>
      request.kind === 'read' ? getAnswer : notLeader(leader.address),
    );
    const kv = client({ endpoints: [follower.address, leader.address] });

    await kv.put('a', '1');
    expect(leader.requestsOf('command')).toHaveLength(1);
    const result = await kv.get('a');

    expect(result.found).toBe(true);
    expect(follower.requestsOf('read').map((read) => read.consistency)).toEqual(['linearizable']);
    expect(leader.requestsOf('read')).toHaveLength(0);
  });

  it('sends minRevision with a read and reports revision-not-reached as a typed error', async () => {
    const member = await fakeNode((request) =>
      request.kind === 'read' && request.minRevision === 9
        ? { ok: false, error: { code: 'revision-not-reached', message: 'applied revision 3' } }
        : getAnswer,
    );
    const kv = client({ endpoints: [member.address] });

    expect((await kv.get('a', { minRevision: 3 })).revision).toBe(3);
    const failure = await kv.get('a', { minRevision: 9 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KvClientError);
    expect((failure as KvClientError).code).toBe('revision-not-reached');
    expect(member.requestsOf('read').map((read) => read.minRevision)).toEqual([3, 9]);
    const invalid = await kv.get('a', { minRevision: -1 }).catch((error: unknown) => error);
    expect((invalid as KvClientError).code).toBe('invalid-argument');
  });

  it('carries 256 concurrent requests on one client', async () => {
    const leader = await fakeNode(() => getAnswer);
    const kv = client({ endpoints: [leader.address] });

    const results = await Promise.all(Array.from({ length: 256 }, () => kv.get('a')));

    expect(results.every((result) => result.found)).toBe(true);
    expect(leader.requestsOf('read')).toHaveLength(256);
  });
});
