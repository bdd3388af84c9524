// Retry backoff: exponential per retry, capped, jittered between half and all of the ceiling, never
// past the deadline; and a KvClient facing an overloaded node spreads its retries out instead of
// re-sending at once, while a redirect to a leader it has not tried yet still goes at once.
import { KvClient, KvClientError, type RedirectEvent } from '@raftkv/client';
import type { ClientResponseBody } from '@raftkv/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../src/internal/retry-backoff.js';
import { backoffBaseMs, backoffMaxMs } from '../src/options.js';
import { FakeNode, notLeader, putApplied, type Script } from './fake-node.js';

describe('backoffDelayMs', () => {
  it('doubles per retry from the base up to the cap', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 30].map((retry) => backoffDelayMs(retry, 60_000, () => 1));
    expect(ceilings).toEqual([20, 40, 80, 160, 320, 400, 400, 400]);
    expect(ceilings[0]).toBe(backoffBaseMs);
    expect(ceilings.at(-1)).toBe(backoffMaxMs);
  });

  it('jitters between half the ceiling and all of it', () => {
    expect(backoffDelayMs(3, 60_000, () => 0)).toBe(80);
    expect(backoffDelayMs(3, 60_000, () => 0.5)).toBe(120);
    for (let draw = 0; draw < 1; draw += 0.01) {
      const delay = backoffDelayMs(4, 60_000, () => draw);
      expect(delay).toBeGreaterThanOrEqual(160);
      expect(delay).toBeLessThanOrEqual(320);
    }
  });

  it('never waits past the time left, nor a negative time', () => {
    expect(backoffDelayMs(10, 150, () => 1)).toBe(150);
    expect(backoffDelayMs(10, -5, () => 1)).toBe(0);
    expect(backoffDelayMs(-3, 1000, () => 1)).toBe(backoffBaseMs);
  });
});

const nodes: FakeNode[] = [];
const clients: KvClient[] = [];

afterEach(() => {
  for (const created of clients.splice(0)) created.close();
  for (const node of nodes.splice(0)) node.close();
});

async function fakeNode(script: Script): Promise<FakeNode> {
  const node = await FakeNode.start(script);
  nodes.push(node);
  return node;
}

const overloaded: ClientResponseBody = {
  ok: false,
  error: { code: 'overloaded', message: 'the node is busy' },
};

describe('KvClient retries', () => {
  it('backs off between retries to an overloaded node instead of re-sending at once', async () => {
    const busy = await fakeNode(() => overloaded);
    const kv = new KvClient({ endpoints: [busy.address], timeoutMs: 1000, attemptTimeoutMs: 300 });
    clients.push(kv);

    const error = (await kv.put('a', '1').catch((caught: unknown) => caught)) as KvClientError;

    expect(error).toBeInstanceOf(KvClientError);
    expect(error.code).toBe('unavailable');
    // The waits before retries 0..5 are at least 10+20+40+80+160+200 = 510 ms, so within 1 s at
    // most about 9 attempts fit; re-sending at once would have made hundreds.
    expect(busy.requests.length).toBeGreaterThanOrEqual(2);
    expect(busy.requests.length).toBeLessThanOrEqual(9);
  });

  it('follows a redirect to a new leader, and backs off on a redirect loop between tried nodes', async () => {
    const leader = await fakeNode(() => putApplied);
    const follower = await fakeNode(() => notLeader(leader.address));
    const redirects: RedirectEvent[] = [];
    const kv = new KvClient({
      endpoints: [follower.address],
      onRedirect: (event) => redirects.push(event),
    });
    clients.push(kv);
    await kv.put('a', '1');
    expect(redirects).toEqual([{ from: follower.address, to: leader.address, leaderId: null }]);
    expect(leader.requests).toHaveLength(1);

    const first = await fakeNode(() => 'silence');
    const second = await fakeNode(() => notLeader(first.address));
    first.script = () => notLeader(second.address);
    const looping = new KvClient({ endpoints: [first.address], maxRedirects: 6, timeoutMs: 10_000 });
    clients.push(looping);
    const loopStarted = performance.now();
    const error = (await looping.put('a', '1').catch((caught: unknown) => caught)) as KvClientError;
    const loopMs = performance.now() - loopStarted;
    expect(error.code).toBe('too-many-redirects');
    expect(first.requests.length + second.requests.length).toBe(7);
    // Hops 2..6 return to nodes already tried: waits of at least 10+20+40+80+160 = 310 ms.
    expect(loopMs).toBeGreaterThanOrEqual(310);
  });
});
