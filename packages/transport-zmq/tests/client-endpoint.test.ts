// Contract tests of ClientEndpoint and ClientSocket on 127.0.0.1 with OS-assigned ports: round
// trips, many requests in flight, typed answers to malformed frames, timeouts and close().
import {
  type ClientRequest,
  type ClientResponse,
  clientProtocolVersion,
  decodeClientResponse,
} from '@raftkv/protocol';
import { nodeId } from '@raftkv/raft';
import { Packr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { ClientEndpoint, type ClientReply, ClientSocket } from '../src/index.js';
import { eventually } from './helpers.js';

const anyPort = 'tcp://127.0.0.1:*';
const closers: Array<() => void> = [];

afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** An endpoint that answers status requests with a members result naming the request id as leader. */
async function bindEndpoint(
  onRequest: (request: ClientRequest, reply: ClientReply) => void = answerMembers,
): Promise<ClientEndpoint> {
  const endpoint = await ClientEndpoint.bind({ bindAddress: anyPort, onRequest });
  closers.push(() => endpoint.close());
  return endpoint;
}

function answerMembers(request: ClientRequest, reply: ClientReply): void {
  reply({
    ok: true,
    result: { kind: 'members', configuration: { members: [] }, leaderId: nodeId(`n${request.requestId}`) },
  });
}

function connect(address: string): ClientSocket {
  const socket = new ClientSocket(address);
  closers.push(() => socket.close());
  return socket;
}

/** A raw DEALER, to send frames a ClientSocket would never produce and read the raw replies. */
function rawDealer(address: string): Dealer {
  const dealer = new Dealer({ linger: 0 });
  dealer.connect(address);
  closers.push(() => dealer.close());
  return dealer;
}

async function receiveResponse(dealer: Dealer): Promise<ClientResponse> {
  const [frame] = await dealer.receive();
  const decoded = decodeClientResponse(frame!);
  if (!decoded.ok) throw new Error(`undecodable reply: ${decoded.error.message}`);
  return decoded.response;
}

describe('ClientEndpoint and ClientSocket', () => {
  it('a request reaches onRequest validated and its reply comes back', async () => {
    const seen: ClientRequest[] = [];
    const endpoint = await bindEndpoint((request, reply) => {
      seen.push(request);
      answerMembers(request, reply);
    });
    const exchange = await connect(endpoint.address).request({ kind: 'members' }, { timeoutMs: 10_000 });
    expect(exchange.ok).toBe(true);
    if (exchange.ok) {
      expect(exchange.response).toMatchObject({
        ok: true,
        result: { kind: 'members', leaderId: `n${seen[0]!.requestId}` },
      });
    }
    expect(seen[0]).toMatchObject({ protocolVersion: clientProtocolVersion, kind: 'members' });
    expect(endpoint.counters()).toMatchObject({ requestsReceived: 1, repliesSent: 1, framesBad: 0 });
  });

  it('matches many requests in flight by requestId even when answered in reverse order', async () => {
    const waiting: Array<[ClientRequest, ClientReply]> = [];
    const endpoint = await bindEndpoint((request, reply) => {
      waiting.push([request, reply]);
      if (waiting.length === 20) for (const [held, answer] of waiting.reverse()) answerMembers(held, answer);
    });
    const socket = connect(endpoint.address);
    const exchanges = await Promise.all(
      Array.from({ length: 20 }, () => socket.request({ kind: 'members' }, { timeoutMs: 10_000 })),
    );
    for (const exchange of exchanges) {
      expect(exchange.ok).toBe(true);
      if (exchange.ok && exchange.response.ok && exchange.response.result.kind === 'members') {
        expect(exchange.response.result.leaderId).toBe(`n${exchange.response.requestId}`);
      }
    }
    expect(new Set(exchanges.map((exchange) => exchange.ok && exchange.response.requestId)).size).toBe(20);
  });

  it('answers a garbage frame with a typed bad-request (requestId null) and keeps serving', async () => {
    const endpoint = await bindEndpoint();
    const raw = rawDealer(endpoint.address);
    await raw.send(Uint8Array.from([0xc1, 0x00, 0xff]));
    const answer = await receiveResponse(raw);
    expect(answer).toMatchObject({ requestId: null, ok: false, error: { code: 'bad-request' } });
    expect(endpoint.counters().framesBad).toBe(1);
    const exchange = await connect(endpoint.address).request({ kind: 'status' }, { timeoutMs: 10_000 });
    expect(exchange.ok).toBe(true);
  });

  it('answers an invalid request with bad-request carrying its requestId', async () => {
    const endpoint = await bindEndpoint();
    const raw = rawDealer(endpoint.address);
    const packr = new Packr({ useRecords: false });
    await raw.send(packr.pack({ protocolVersion: clientProtocolVersion, requestId: 77, kind: 'launch' }));
    expect(await receiveResponse(raw)).toMatchObject({
      requestId: 77,
      ok: false,
      error: { code: 'bad-request' },
    });
  });

  it('answers another protocol version with unsupported-version', async () => {
    const endpoint = await bindEndpoint();
    const raw = rawDealer(endpoint.address);
    const packr = new Packr({ useRecords: false });
    await raw.send(packr.pack({ protocolVersion: 99, requestId: 5, kind: 'status' }));
    expect(await receiveResponse(raw)).toMatchObject({
      requestId: 5,
      ok: false,
      error: { code: 'unsupported-version', supportedVersion: clientProtocolVersion },
    });
  });

  it('a request that gets no answer resolves with a typed timeout, and a late answer is ignored', async () => {
    let held: ClientReply | undefined;
    const endpoint = await bindEndpoint((_request, reply) => {
      held = reply;
    });
    const socket = connect(endpoint.address);
    const exchange = await socket.request({ kind: 'status' }, { timeoutMs: 200 });
    expect(exchange).toMatchObject({ ok: false, error: { code: 'timeout' } });
    await eventually(() => held !== undefined, 'request reached the endpoint');
    held!({ ok: false, error: { code: 'shutting-down', message: 'late' } });
    await eventually(() => socket.counters().responsesUnmatched === 1, 'late answer counted');
  });

  it('a request to an address where nothing listens times out, typed', async () => {
    const exchange = await connect('tcp://127.0.0.1:1').request({ kind: 'status' }, { timeoutMs: 100 });
    expect(exchange).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });

  it('close() resolves pending requests with closed, and later requests too', async () => {
    const endpoint = await bindEndpoint(() => {});
    const socket = connect(endpoint.address);
    const pending = socket.request({ kind: 'status' }, { timeoutMs: 60_000 });
    socket.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'closed' } });
    expect(await socket.request({ kind: 'status' }, { timeoutMs: 10 })).toMatchObject({
      ok: false,
      error: { code: 'closed' },
    });
  });

  it('answering one request twice is a programmer error', async () => {
    const failures: unknown[] = [];
    const endpoint = await bindEndpoint((request, reply) => {
      answerMembers(request, reply);
      try {
        answerMembers(request, reply);
      } catch (error) {
        failures.push(error);
      }
    });
    await connect(endpoint.address).request({ kind: 'status' }, { timeoutMs: 10_000 });
    expect(failures).toHaveLength(1);
    expect(String(failures[0])).toContain('answered twice');
  });
});
