// KvClient's exactly-once writes (thesis §6.3) against scripted fake nodes: the same (clientId,
// sequence) on every retry, outcome-unknown instead of a false failure, and session confirmation.
import { KvClient, type KvClientError } from '@raftkv/client';
import type { ClientRequest } from '@raftkv/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNode, notLeader, okCommand, putApplied, type Script } from './fake-node.js';

const nodes: FakeNode[] = [];
const clients: KvClient[] = [];

async function fakeNode(script: Script): Promise<FakeNode> {
  const node = await FakeNode.start(script);
  nodes.push(node);
  return node;
}

function client(endpoints: string[], timeoutMs = 4000): KvClient {
  const created = new KvClient({ endpoints, attemptTimeoutMs: 300, timeoutMs });
  clients.push(created);
  return created;
}

afterEach(() => {
  for (const created of clients.splice(0)) created.close();
  for (const node of nodes.splice(0)) node.close();
});

const sessionOf = (request: ClientRequest) =>
  request.kind === 'command' ? request.command.session : undefined;

const failed = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as KvClientError,
  );

describe('KvClient exactly-once writes', () => {
  it('retries a write whose answer timed out with the same clientId and sequence (§6.3)', async () => {
    let commands = 0;
    const leader = await fakeNode((request) => {
      if (request.kind !== 'command') return 'silence';
      commands += 1;
      return commands === 1 ? 'silence' : putApplied;
    });
    const kv = client([leader.address]);

    expect(await kv.put('a', '1')).toEqual({ revision: 7, previous: null });

    const [first, second] = leader.requestsOf('command').map(sessionOf);
    expect(first).toBeDefined();
    expect(second?.clientId).toBe(first?.clientId);
    expect(second?.sequence).toBe(first?.sequence);
  });

  it('retries against the new leader with the same sequence after the old one stops answering', async () => {
    const newLeader = await fakeNode(() => putApplied);
    const oldLeader = await fakeNode(() => putApplied);
    const kv = client([oldLeader.address, newLeader.address]);
    await kv.put('a', '1');
    oldLeader.script = () => 'silence';

    await kv.put('b', '2');

    const lost = sessionOf(oldLeader.requestsOf('command')[1]!);
    const retried = sessionOf(newLeader.requestsOf('command')[0]!);
    expect(retried).toEqual({ ...lost, firstUnacknowledgedSequence: 2 });
    expect(retried?.sequence).toBe(2);
  });

  it('reports outcome-unknown, never a failure, when a sent write is never answered', async () => {
    const leader = await fakeNode(() => 'silence');
    const kv = client([leader.address], 900);

    const error = await failed(kv.put('a', '1'));

    expect(error.code).toBe('outcome-unknown');
    expect(error.outcomeUnknown).toBe(true);
    expect(leader.requestsOf('command').length).toBeGreaterThan(1);
  });

  it('reports outcome-unknown when the leader itself says the outcome is unknown until the timeout', async () => {
    const leader = await fakeNode(() => ({
      ok: false,
      error: { code: 'outcome-unknown', message: 'leadership lost after proposing' },
    }));
    const kv = client([leader.address], 700);

    expect((await failed(kv.put('a', '1'))).code).toBe('outcome-unknown');
  });

  it('reports a KV limit error as a definite failure with its code', async () => {
    const leader = await fakeNode(() =>
      okCommand({ ok: false, revision: 4, error: { code: 'value-too-large', message: 'value is 2 MiB' } }),
    );
    const kv = client([leader.address]);

    const error = await failed(kv.put('a', 'x'));

    expect(error.code).toBe('value-too-large');
    expect(error.outcomeUnknown).toBe(false);
  });

  it('numbers writes 1, 2, 3 and acknowledges answered sequences', async () => {
    const leader = await fakeNode(() => putApplied);
    const kv = client([leader.address]);

    await kv.put('a', '1');
    await kv.put('b', '2');
    await kv.put('c', '3');

    const sessions = leader.requestsOf('command').map(sessionOf);
    expect(sessions.map((session) => session?.sequence)).toEqual([1, 2, 3]);
    expect(sessions.map((session) => session?.firstUnacknowledgedSequence)).toEqual([1, 2, 3]);
    expect(new Set(sessions.map((session) => session?.clientId)).size).toBe(1);
  });

  it('sends no other write until sequence 1 has applied, then pipelines the rest', async () => {
    const leader = await fakeNode(() => putApplied);
    const kv = client([leader.address]);

    await Promise.all(Array.from({ length: 20 }, (_, index) => kv.put(`k${index}`, 'v')));

    const sessions = leader.requestsOf('command').map(sessionOf);
    expect(sessions[0]?.sequence).toBe(1);
    expect(sessions.map((session) => session?.sequence).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 20 }, (_, index) => index + 1),
    );
    // Every later write saw sequence 1 answered, so acknowledged it.
    expect(sessions.slice(1).every((session) => session!.firstUnacknowledgedSequence >= 2)).toBe(true);
  });

  it('starts a fresh session when sequence 1 did not apply, never reusing its sequence', async () => {
    let commands = 0;
    const leader = await fakeNode(() => {
      commands += 1;
      return commands === 1
        ? okCommand({ ok: false, revision: 0, error: { code: 'key-too-large', message: 'key' } })
        : putApplied;
    });
    const kv = client([leader.address]);

    await failed(kv.put('a', '1'));
    await kv.put('b', '2');

    const [first, second] = leader.requestsOf('command').map(sessionOf);
    expect(second?.sequence).toBe(1);
    expect(second?.clientId).not.toBe(first?.clientId);
  });

  it('re-sends a never-applied write on a new session when the cluster expired the old one', async () => {
    const expiredClients = new Set<string>();
    const leader = await fakeNode((request) => {
      const session = sessionOf(request)!;
      if (expiredClients.has(session.clientId)) {
        return okCommand({ ok: false, revision: 9, error: { code: 'session-expired', message: 'evicted' } });
      }
      return putApplied;
    });
    const kv = client([leader.address]);
    await kv.put('a', '1');
    expiredClients.add(sessionOf(leader.requests[0]!)!.clientId);

    expect(await kv.put('b', '2')).toEqual({ revision: 7, previous: null });

    const sessions = leader.requestsOf('command').map(sessionOf);
    expect(sessions).toHaveLength(3);
    expect(sessions[2]?.sequence).toBe(1);
    expect(sessions[2]?.clientId).not.toBe(sessions[1]?.clientId);
  });

  it('reports outcome-unknown when the session expired after an attempt that may have applied', async () => {
    let commands = 0;
    const leader = await fakeNode(() => {
      commands += 1;
      if (commands === 1) return putApplied;
      if (commands === 2) return 'silence';
      return okCommand({ ok: false, revision: 9, error: { code: 'session-expired', message: 'evicted' } });
    });
    const kv = client([leader.address]);
    await kv.put('a', '1');

    expect((await failed(kv.put('b', '2'))).code).toBe('outcome-unknown');
  });

  it('does not count not-leader refusals as maybe-applied: a write refused everywhere is unavailable', async () => {
    const follower = await fakeNode(() => notLeader(null));
    const kv = client([follower.address], 500);

    const error = await failed(kv.put('a', '1'));

    expect(error.code).toBe('unavailable');
  });
});
