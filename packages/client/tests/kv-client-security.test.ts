// KvClient over CURVE against fake nodes with real sockets: an allow-listed client key is served, an
// unlisted one is refused, and a node whose public key the client does not know is never spoken to.
import { KvClient, KvClientError } from '@raftkv/client';
import { generateCurveKeyPair } from '@raftkv/transport-zmq';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNode, putApplied } from './fake-node.js';

const nodes: FakeNode[] = [];
const clients: KvClient[] = [];

afterEach(() => {
  for (const created of clients.splice(0)) created.close();
  for (const node of nodes.splice(0)) node.close();
});

function client(options: ConstructorParameters<typeof KvClient>[0]): KvClient {
  const created = new KvClient({ attemptTimeoutMs: 500, timeoutMs: 3000, ...options });
  clients.push(created);
  return created;
}

describe('KvClient with CURVE', () => {
  it('writes through a node that admits its key', async () => {
    const server = generateCurveKeyPair();
    const keyPair = generateCurveKeyPair();
    const node = await FakeNode.start(() => putApplied, {
      keyPair: server,
      allowedClientKeys: [keyPair.publicKey],
    });
    nodes.push(node);
    const kv = client({
      endpoints: [node.address],
      timeoutMs: 15_000,
      security: { keyPair, serverKeys: new Map([[node.address, server.publicKey]]) },
    });
    expect(await kv.put('a', '1')).toEqual({ revision: 7, previous: null });
  });

  it('gets no answer from a node that does not admit its key', async () => {
    const server = generateCurveKeyPair();
    const refused: string[] = [];
    const node = await FakeNode.start(() => putApplied, {
      keyPair: server,
      allowedClientKeys: [],
      onRefused: (refusal) => refused.push(refusal.publicKey ?? 'none'),
    });
    nodes.push(node);
    const keyPair = generateCurveKeyPair();
    const kv = client({
      endpoints: [node.address],
      security: { keyPair, serverKeys: new Map([[node.address, server.publicKey]]) },
    });
    await expect(kv.put('a', '1')).rejects.toBeInstanceOf(KvClientError);
    expect(refused).toContain(keyPair.publicKey);
    expect(node.requests).toEqual([]);
  });

  it('never speaks to a node whose public key it does not know, not even in plaintext', async () => {
    const node = await FakeNode.start(() => putApplied);
    nodes.push(node);
    const kv = client({
      endpoints: [node.address],
      security: { keyPair: generateCurveKeyPair(), serverKeys: new Map() },
    });
    await expect(kv.put('a', '1')).rejects.toBeInstanceOf(KvClientError);
    expect(node.requests).toEqual([]);
  });
});
