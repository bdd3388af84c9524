// CURVE and the ZAP handler on real sockets (127.0.0.1, OS-assigned ports): an allowed key is served,
// an unknown key or a wrong server key is refused (and each refusal reported with key and address),
// the client allow-list can be replaced, and peers admit exactly the keys of the current peers.
import { type ClientRequest, type ClientRequestBody, encodePeerFrame } from '@raftkv/protocol';
import { type Message, nodeId } from '@raftkv/raft';
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import {
  ClientEndpoint,
  type ClientReply,
  ClientSocket,
  type ConnectionRefusal,
  type CurveKeyPair,
  generateCurveKeyPair,
  isCurveKey,
  PeerTransport,
  z85Encode,
} from '../src/index.js';
import { eventually, heartbeat, n1, n2, n3, retryUntil } from './helpers.js';

const anyPort = 'tcp://127.0.0.1:*';
const closers: Array<() => void> = [];
const status: ClientRequestBody = { kind: 'status' };
// A short timeout is enough: a refused client never gets an answer, however long it waits.
const refusedTimeoutMs = 1_500;

afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function answerMembers(request: ClientRequest, reply: ClientReply): void {
  reply({
    ok: true,
    result: { kind: 'members', configuration: { members: [] }, leaderId: nodeId(`n${request.requestId}`) },
  });
}

async function secureEndpoint(
  keyPair: CurveKeyPair,
  allowed: string[],
  refusals: ConnectionRefusal[],
): Promise<ClientEndpoint> {
  const endpoint = await ClientEndpoint.bind({
    bindAddress: anyPort,
    onRequest: answerMembers,
    security: { keyPair, allowedClientKeys: allowed, onRefused: (refusal) => refusals.push(refusal) },
  });
  closers.push(() => endpoint.close());
  return endpoint;
}

function connect(address: string, serverKey: string, keyPair: CurveKeyPair): ClientSocket {
  const socket = new ClientSocket(address, { serverKey, keyPair });
  closers.push(() => socket.close());
  return socket;
}

/** Asks until an answer arrives (the CURVE handshake takes a moment); fails after a generous bound. */
async function answered(socket: ClientSocket): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const exchange = await socket.request(status, { timeoutMs: 1_000 });
    if (exchange.ok) return true;
  }
  return false;
}

describe('CURVE keys', () => {
  it('generates 40-character Z85 key pairs and encodes bytes as ZeroMQ does', () => {
    const pair = generateCurveKeyPair();
    expect(isCurveKey(pair.publicKey)).toBe(true);
    expect(isCurveKey(pair.secretKey)).toBe(true);
    expect(isCurveKey('short')).toBe(false);
    // RFC 32's test vector.
    expect(z85Encode(Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]))).toBe('HelloWorld');
    expect(() => z85Encode(Buffer.alloc(3))).toThrow(/multiples of 4/);
  });
});

describe('ClientEndpoint with CURVE', () => {
  it('serves a client whose key is allowed', async () => {
    const server = generateCurveKeyPair();
    const client = generateCurveKeyPair();
    const refusals: ConnectionRefusal[] = [];
    const endpoint = await secureEndpoint(server, [client.publicKey], refusals);
    expect(await answered(connect(endpoint.address, server.publicKey, client))).toBe(true);
    expect(refusals).toEqual([]);
  });

  it('refuses and reports a client whose key is not allowed', async () => {
    const server = generateCurveKeyPair();
    const stranger = generateCurveKeyPair();
    const refusals: ConnectionRefusal[] = [];
    const endpoint = await secureEndpoint(server, [generateCurveKeyPair().publicKey], refusals);
    const exchange = await connect(endpoint.address, server.publicKey, stranger).request(status, {
      timeoutMs: refusedTimeoutMs,
    });
    expect(exchange.ok).toBe(false);
    await eventually(() => refusals.length > 0, 'a reported refusal');
    expect(refusals[0]).toEqual({
      reason: 'key-not-admitted',
      publicKey: stranger.publicKey,
      address: '127.0.0.1',
    });
    expect(endpoint.counters().connectionsRefused).toBeGreaterThan(0);
    expect(endpoint.counters().requestsReceived).toBe(0);
  });

  it('refuses and reports a client that holds the wrong server key, and a plaintext client', async () => {
    const server = generateCurveKeyPair();
    const client = generateCurveKeyPair();
    const refusals: ConnectionRefusal[] = [];
    const endpoint = await secureEndpoint(server, [client.publicKey], refusals);
    const wrongServer = connect(endpoint.address, generateCurveKeyPair().publicKey, client);
    expect((await wrongServer.request(status, { timeoutMs: refusedTimeoutMs })).ok).toBe(false);
    await eventually(
      () => refusals.some((refusal) => refusal.detail === 'ERR_ZMTP_CRYPTOGRAPHIC'),
      'the wrong server key reported',
    );
    const plain = new ClientSocket(endpoint.address);
    closers.push(() => plain.close());
    expect((await plain.request(status, { timeoutMs: refusedTimeoutMs })).ok).toBe(false);
    await eventually(
      () => refusals.some((refusal) => refusal.detail === 'ERR_ZMTP_MECHANISM_MISMATCH'),
      'the plaintext client reported',
    );
    expect(
      refusals.every((refusal) => refusal.reason === 'handshake-failed' && refusal.publicKey === null),
    ).toBe(true);
    expect(endpoint.counters().requestsReceived).toBe(0);
  });

  it('admits a key added to the allow-list and refuses one removed from it', async () => {
    const server = generateCurveKeyPair();
    const first = generateCurveKeyPair();
    const second = generateCurveKeyPair();
    const refusals: ConnectionRefusal[] = [];
    const endpoint = await secureEndpoint(server, [first.publicKey], refusals);
    endpoint.setAllowedClientKeys([second.publicKey]);
    expect(await answered(connect(endpoint.address, server.publicKey, second))).toBe(true);
    const removed = connect(endpoint.address, server.publicKey, first);
    expect((await removed.request(status, { timeoutMs: refusedTimeoutMs })).ok).toBe(false);
    await eventually(
      () => refusals.some((refusal) => refusal.publicKey === first.publicKey),
      'first refused',
    );
  });
});

describe('PeerTransport with CURVE', () => {
  async function securePeer(
    id: typeof n1,
    keyPair: CurveKeyPair,
    received: Message[][],
    refusals: ConnectionRefusal[] = [],
  ): Promise<PeerTransport> {
    const transport = await PeerTransport.bind({
      id,
      bindAddress: anyPort,
      onMessages: (messages) => received.push(messages),
      security: { keyPair, onRefused: (refusal) => refusals.push(refusal) },
    });
    closers.push(() => transport.close());
    return transport;
  }

  it('delivers between members that know each other’s keys', async () => {
    const keys1 = generateCurveKeyPair();
    const keys2 = generateCurveKeyPair();
    const at2: Message[][] = [];
    const one = await securePeer(n1, keys1, []);
    const two = await securePeer(n2, keys2, at2);
    one.setPeers(new Map([[n2, { address: two.address, publicKey: keys2.publicKey }]]));
    two.setPeers(new Map([[n1, { address: one.address, publicKey: keys1.publicKey }]]));
    await retryUntil(
      () => one.send([heartbeat(n1, n2, 1)]),
      () => at2.length > 0,
      'a heartbeat at n2',
    );
    expect(two.counters().connectionsRefused).toBe(0);
  });

  it('refuses and reports a node that is not a current peer', async () => {
    const keys1 = generateCurveKeyPair();
    const keys2 = generateCurveKeyPair();
    const keys3 = generateCurveKeyPair();
    const at2: Message[][] = [];
    const refusals: ConnectionRefusal[] = [];
    const two = await securePeer(n2, keys2, at2, refusals);
    const three = await securePeer(n3, keys3, []);
    two.setPeers(new Map([[n1, { address: 'tcp://127.0.0.1:1', publicKey: keys1.publicKey }]]));
    three.setPeers(new Map([[n2, { address: two.address, publicKey: keys2.publicKey }]]));
    // n3 keeps sending; n2's ZAP handler refuses its key on every (re)connect.
    await retryUntil(
      () => three.send([heartbeat(n3, n2, 1)]),
      () => refusals.length > 0,
      'a refusal at n2',
    );
    expect(refusals[0]).toEqual({
      reason: 'key-not-admitted',
      publicKey: keys3.publicKey,
      address: '127.0.0.1',
    });
    expect(at2).toEqual([]);
  });

  it('dials again after a refusal, so a peer that learns our key later hears from us', async () => {
    const keys1 = generateCurveKeyPair();
    const keys2 = generateCurveKeyPair();
    const at2: Message[][] = [];
    const refusals: ConnectionRefusal[] = [];
    const one = await securePeer(n1, keys1, []);
    const two = await securePeer(n2, keys2, at2, refusals);
    one.setPeers(new Map([[n2, { address: two.address, publicKey: keys2.publicKey }]]));
    await retryUntil(
      () => one.send([heartbeat(n1, n2, 1)]),
      () => refusals.length > 0,
      'n1 refused while n2 does not know it',
    );
    two.setPeers(new Map([[n1, { address: one.address, publicKey: keys1.publicKey }]]));
    await retryUntil(
      () => one.send([heartbeat(n1, n2, 2)]),
      () => at2.length > 0,
      'a heartbeat at n2 once it admits n1',
    );
  });

  it('does not dial a peer without a key, and drops a raw plaintext sender', async () => {
    const keys2 = generateCurveKeyPair();
    const at2: Message[][] = [];
    const two = await securePeer(n2, keys2, at2);
    const one = await securePeer(n1, generateCurveKeyPair(), []);
    one.setPeers(new Map([[n2, two.address]]));
    one.send([heartbeat(n1, n2, 1)]);
    expect(one.counters().messagesDroppedUnknownPeer).toBe(1);
    const raw = new Dealer({ routingId: 'n1', linger: 0, sendTimeout: 0 });
    closers.push(() => raw.close());
    raw.connect(two.address);
    // ZeroMQ queues until a handshake completes, which never happens against a CURVE server.
    const frame = encodePeerFrame([heartbeat(n1, n2, 2)]);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await raw.send(frame).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(at2).toEqual([]);
    expect(two.counters().framesReceived).toBe(0);
  });
});
