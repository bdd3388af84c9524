// Coalescing on the client path with real ZeroMQ sockets on 127.0.0.1 (OS-assigned ports): requests
// of one tick leave as one message (one frame pack), replies of one synchronous block come back as
// one, each frame is decoded on its own, plain multipart and single-part messages still work, and
// every bound holds exactly.
import {
  type ClientRequest,
  type ClientResponse,
  type ClientResponseBody,
  clientFrameBytesMax,
  decodeClientRequest,
  decodeClientResponse,
  encodeClientRequest,
  encodeClientResponse,
} from '@raftkv/protocol';
import { nodeId } from '@raftkv/raft';
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer, Router } from 'zeromq';
import {
  ClientEndpoint,
  type ClientExchange,
  type ClientReply,
  ClientSocket,
  clientFramesPerMessageMax,
  clientMessageBytesMax,
  clientReplyQueueFramesMax,
  clientRequestQueueFramesMax,
} from '../src/index.js';
import { packFrames } from '../src/internal/frame-packs.js';
import { eventually, framesOfParts } from './helpers.js';

const anyPort = 'tcp://127.0.0.1:*';
const closers: Array<() => void> = [];

afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function connect(address: string): ClientSocket {
  const socket = new ClientSocket(address);
  closers.push(() => socket.close());
  return socket;
}

async function bindEndpoint(
  onRequest: (request: ClientRequest, reply: ClientReply) => void,
): Promise<ClientEndpoint> {
  const endpoint = await ClientEndpoint.bind({ bindAddress: anyPort, onRequest });
  closers.push(() => endpoint.close());
  return endpoint;
}

/** A raw ROUTER standing in for a node, to count the messages a ClientSocket sends. */
async function rawRouter(): Promise<Router> {
  const router = new Router({ linger: 0 });
  await router.bind(anyPort);
  closers.push(() => router.close());
  return router;
}

/** A raw DEALER standing in for a client, to send any message and read raw replies. */
function rawDealer(address: string): Dealer {
  const dealer = new Dealer({ linger: 0 });
  dealer.connect(address);
  closers.push(() => dealer.close());
  return dealer;
}

const members = (leader: string): ClientResponseBody => ({
  ok: true,
  result: { kind: 'members', configuration: { members: [] }, leaderId: nodeId(leader) },
});

/** Answers a request with a members result naming its requestId as the leader, so replies are checkable. */
const answerWithId = (request: ClientRequest, reply: ClientReply): void =>
  reply(members(`n${request.requestId}`));

function decodeRequests(frames: readonly Buffer[]): ClientRequest[] {
  return frames.map((frame) => {
    const decoded = decodeClientRequest(frame);
    if (!decoded.ok) throw new Error(`undecodable request: ${decoded.error.message}`);
    return decoded.request;
  });
}

function decodeResponses(frames: readonly Buffer[]): ClientResponse[] {
  return frames.map((frame) => {
    const decoded = decodeClientResponse(frame);
    if (!decoded.ok) throw new Error(`undecodable response: ${decoded.error.message}`);
    return decoded.response;
  });
}

/** Every reply names its own request: leaderId n<requestId>. */
function expectOwnAnswers(exchanges: readonly ClientExchange[]): void {
  for (const exchange of exchanges) {
    if (!exchange.ok || !exchange.response.ok || exchange.response.result.kind !== 'members') {
      throw new Error(`unexpected exchange ${JSON.stringify(exchange)}`);
    }
    expect(exchange.response.result.leaderId).toBe(`n${exchange.response.requestId}`);
  }
}

/** Holds requests until `count` arrived, then runs `answerAll` with them (all in one synchronous block). */
function holdUntil(
  count: number,
  answerAll: (held: Array<[ClientRequest, ClientReply]>) => void,
): (request: ClientRequest, reply: ClientReply) => void {
  const held: Array<[ClientRequest, ClientReply]> = [];
  return (request, reply) => {
    held.push([request, reply]);
    if (held.length === count) answerAll(held.splice(0));
  };
}

describe('ClientSocket coalesces requests', () => {
  it('requests issued in one tick arrive at a raw ROUTER as one message of one frame pack, and each gets its own reply', async () => {
    const router = await rawRouter();
    const socket = connect(router.lastEndpoint!);
    const pending = Array.from({ length: 50 }, () =>
      socket.request({ kind: 'members' }, { timeoutMs: 10_000 }),
    );
    const [identity, ...parts] = await router.receive();
    expect(parts).toHaveLength(1);
    const frames = framesOfParts(parts);
    expect(frames).toHaveLength(50);
    const requests = decodeRequests(frames);
    expect(new Set(requests.map((request) => request.requestId)).size).toBe(50);
    // Old-style answers: one single-part message per reply, in reverse order.
    for (const request of requests.reverse()) {
      await router.send([
        identity!,
        encodeClientResponse(request.requestId, members(`n${request.requestId}`)),
      ]);
    }
    expectOwnAnswers(await Promise.all(pending));
  });

  it('requests issued from promise continuations of the same turn join the same message', async () => {
    const router = await rawRouter();
    const socket = connect(router.lastEndpoint!);
    const request = (): Promise<ClientExchange> => socket.request({ kind: 'status' }, { timeoutMs: 60_000 });
    const first = Array.from({ length: 5 }, request);
    const later = Promise.resolve()
      .then(() => Promise.resolve())
      .then(() => Array.from({ length: 5 }, request));
    await later;
    const [, ...parts] = await router.receive();
    expect(framesOfParts(parts)).toHaveLength(10);
    socket.close();
    await Promise.all(first);
  });

  it('more requests than clientFramesPerMessageMax leave as several messages, and a multipart reply answers them', async () => {
    const router = await rawRouter();
    const socket = connect(router.lastEndpoint!);
    const count = 2 * clientFramesPerMessageMax + 7;
    const pending = Array.from({ length: count }, () =>
      socket.request({ kind: 'members' }, { timeoutMs: 10_000 }),
    );
    const sizes: number[] = [];
    while (sizes.reduce((sum, size) => sum + size, 0) < count) {
      const [identity, ...parts] = await router.receive();
      const frames = framesOfParts(parts);
      sizes.push(frames.length);
      const replies = decodeRequests(frames).map((request) =>
        encodeClientResponse(request.requestId, members(`n${request.requestId}`)),
      );
      await router.send([identity!, ...replies]);
    }
    expect(sizes).toEqual([clientFramesPerMessageMax, clientFramesPerMessageMax, 7]);
    expectOwnAnswers(await Promise.all(pending));
  });

  it('a message carries at most clientMessageBytesMax bytes of frames; a larger single frame goes alone', async () => {
    const router = await rawRouter();
    const socket = connect(router.lastEndpoint!);
    const put = (valueBytes: number) =>
      socket.request(
        {
          kind: 'command',
          command: { operation: { type: 'put', key: Uint8Array.of(1), value: new Uint8Array(valueBytes) } },
        },
        { timeoutMs: 60_000 },
      );
    const third = Math.floor(clientMessageBytesMax / 3) - 100;
    const pending = [put(third), put(third), put(third), put(third), put(10), put(clientMessageBytesMax + 1)];
    const messages: number[][] = [];
    while (messages.flat().length < pending.length) {
      const [, ...parts] = await router.receive();
      messages.push(framesOfParts(parts).map((frame) => frame.byteLength));
    }
    expect(messages.map((sizes) => sizes.length)).toEqual([3, 2, 1]);
    expect(messages[2]![0]).toBeGreaterThan(clientMessageBytesMax);
    for (const sizes of messages.slice(0, 2)) {
      expect(sizes.reduce((sum, size) => sum + size, 0)).toBeLessThanOrEqual(clientMessageBytesMax);
    }
    socket.close();
    await Promise.all(pending);
  });

  it('requests beyond clientRequestQueueFramesMax in one tick fail fast with send-failed, exactly', async () => {
    const router = await rawRouter();
    const socket = connect(router.lastEndpoint!);
    const extra = 10;
    const pending = Array.from({ length: clientRequestQueueFramesMax + extra }, () =>
      socket.request({ kind: 'status' }, { timeoutMs: 60_000 }),
    );
    const refused = await Promise.all(pending.slice(clientRequestQueueFramesMax));
    for (const exchange of refused) {
      expect(exchange).toMatchObject({
        ok: false,
        error: { code: 'send-failed', message: 'the request queue is full' },
      });
    }
    let received = 0;
    while (received < clientRequestQueueFramesMax) {
      received += framesOfParts((await router.receive()).slice(1)).length;
    }
    expect(received).toBe(clientRequestQueueFramesMax);
    socket.close();
    const closed = await Promise.all(pending.slice(0, clientRequestQueueFramesMax));
    expect(closed.every((exchange) => !exchange.ok && exchange.error.code === 'closed')).toBe(true);
  });

  it('a request larger than clientFrameBytesMax is refused locally with request-too-large', async () => {
    const router = await rawRouter();
    const exchange = await connect(router.lastEndpoint!).request(
      {
        kind: 'command',
        command: {
          operation: { type: 'put', key: Uint8Array.of(1), value: new Uint8Array(clientFrameBytesMax) },
        },
      },
      { timeoutMs: 10_000 },
    );
    expect(exchange).toMatchObject({ ok: false, error: { code: 'request-too-large' } });
  });

  it('a response part that fails to decode fails its own request only', async () => {
    const router = await rawRouter();
    const socket = connect(router.lastEndpoint!);
    const pending = [1, 2, 3].map(() => socket.request({ kind: 'members' }, { timeoutMs: 10_000 }));
    const [identity, ...parts] = await router.receive();
    const [one, two, three] = decodeRequests(framesOfParts(parts));
    const invalid = encodeClientResponse(two!.requestId, { ok: true, result: { kind: 'launch' } as never });
    await router.send([
      identity!,
      encodeClientResponse(one!.requestId, members(`n${one!.requestId}`)),
      invalid,
      encodeClientResponse(three!.requestId, members(`n${three!.requestId}`)),
    ]);
    const [first, second, third] = await Promise.all(pending);
    expectOwnAnswers([first!, third!]);
    expect(second).toMatchObject({ ok: false, error: { code: 'bad-response' } });
    expect(socket.counters()).toMatchObject({ responsesReceived: 2, responsesBad: 1 });
  });
});

describe('ClientEndpoint coalesces replies', () => {
  it('replies answered in one synchronous block arrive at a raw DEALER as one message of one frame pack', async () => {
    const endpoint = await bindEndpoint(
      holdUntil(30, (held) => {
        for (const [request, reply] of held) answerWithId(request, reply);
      }),
    );
    const dealer = rawDealer(endpoint.address);
    for (let requestId = 1; requestId <= 30; requestId += 1) {
      await dealer.send(encodeClientRequest(requestId, { kind: 'members' })); // 30 single-part messages
    }
    const parts = await dealer.receive();
    expect(parts).toHaveLength(1);
    const replies = decodeResponses(framesOfParts(parts));
    expect(replies.map((reply) => reply.requestId)).toEqual(
      Array.from({ length: 30 }, (_, index) => index + 1),
    );
    await eventually(() => endpoint.counters().repliesSent === 30, 'all replies counted as sent');
  });

  it('replies given from promise continuations of one turn, any number of hops deep, leave as one message', async () => {
    const endpoint = await bindEndpoint(
      holdUntil(20, (held) => {
        // raftkvd answers with handle(request).then(reply); a handler that awaits more takes more hops.
        held.forEach(([request, reply], position) => {
          let answer = Promise.resolve(request);
          for (let hop = 0; hop < position % 4; hop += 1) answer = answer.then((same) => same);
          void answer.then((answered) => answerWithId(answered, reply));
        });
      }),
    );
    const dealer = rawDealer(endpoint.address);
    await dealer.send(
      Array.from({ length: 20 }, (_, index) => encodeClientRequest(index + 1, { kind: 'status' })),
    );
    expect(framesOfParts(await dealer.receive())).toHaveLength(20);
  });

  it('a multipart request message with one garbage part: that part gets bad-request, the others are served', async () => {
    const served: number[] = [];
    const endpoint = await bindEndpoint((request, reply) => {
      served.push(request.requestId);
      answerWithId(request, reply);
    });
    const dealer = rawDealer(endpoint.address);
    await dealer.send([
      encodeClientRequest(7, { kind: 'status' }),
      Uint8Array.from([0xc4, 0xff]),
      encodeClientRequest(9, { kind: 'members' }),
    ]);
    const replies = decodeResponses(framesOfParts(await dealer.receive()));
    expect(replies).toMatchObject([
      { requestId: 7, ok: true },
      { requestId: null, ok: false, error: { code: 'bad-request' } },
      { requestId: 9, ok: true },
    ]);
    expect(served).toEqual([7, 9]);
    expect(endpoint.counters()).toMatchObject({ requestsReceived: 2, framesBad: 1 });
  });

  it('a message mixing plain parts and frame packs: every frame is served; a bad pack gets one bad-request', async () => {
    const served: number[] = [];
    const endpoint = await bindEndpoint((request, reply) => {
      served.push(request.requestId);
      answerWithId(request, reply);
    });
    const dealer = rawDealer(endpoint.address);
    const status = (requestId: number) => encodeClientRequest(requestId, { kind: 'status' });
    const cutShort = packFrames([status(5), status(6)]).subarray(0, -1);
    await dealer.send([status(1), packFrames([status(2), status(3)]), cutShort, status(4)]);
    const replies = decodeResponses(framesOfParts(await dealer.receive()));
    expect(replies).toMatchObject([
      { requestId: 1, ok: true },
      { requestId: 2, ok: true },
      { requestId: 3, ok: true },
      {
        requestId: null,
        ok: false,
        error: { code: 'bad-request', message: expect.stringContaining('frame pack') },
      },
      { requestId: 4, ok: true },
    ]);
    expect(served).toEqual([1, 2, 3, 4]);
    expect(endpoint.counters()).toMatchObject({ requestsReceived: 4, framesBad: 1 });
  });

  it('frames in packs count toward clientFramesPerMessageMax: one over gets one bad-request and none is served', async () => {
    const served: number[] = [];
    const endpoint = await bindEndpoint((request, reply) => {
      served.push(request.requestId);
      answerWithId(request, reply);
    });
    const dealer = rawDealer(endpoint.address);
    const frames = Array.from({ length: clientFramesPerMessageMax }, (_, index) =>
      encodeClientRequest(index, { kind: 'status' }),
    );
    await dealer.send([packFrames(frames), encodeClientRequest(999, { kind: 'status' })]);
    expect(decodeResponses(framesOfParts(await dealer.receive()))).toMatchObject([
      { requestId: null, ok: false, error: { code: 'bad-request' } },
    ]);
    expect(served).toEqual([]);
    expect(endpoint.counters().framesBad).toBe(clientFramesPerMessageMax + 1);
  });

  it('a single-part request still gets a single-part reply', async () => {
    const endpoint = await bindEndpoint(answerWithId);
    const dealer = rawDealer(endpoint.address);
    await dealer.send(encodeClientRequest(4, { kind: 'members' }));
    const parts = await dealer.receive();
    expect(parts).toHaveLength(1);
    expect(decodeResponses(parts)).toMatchObject([{ requestId: 4, ok: true }]);
  });

  it('a message of more than clientFramesPerMessageMax requests gets one bad-request and none is served', async () => {
    const served: number[] = [];
    const endpoint = await bindEndpoint((request, reply) => {
      served.push(request.requestId);
      answerWithId(request, reply);
    });
    const dealer = rawDealer(endpoint.address);
    const tooMany = clientFramesPerMessageMax + 1;
    await dealer.send(
      Array.from({ length: tooMany }, (_, index) => encodeClientRequest(index, { kind: 'status' })),
    );
    expect(decodeResponses(framesOfParts(await dealer.receive()))).toMatchObject([
      { requestId: null, ok: false, error: { code: 'bad-request' } },
    ]);
    expect(served).toEqual([]);
    expect(endpoint.counters().framesBad).toBe(tooMany);
  });

  it('ZeroMQ maxMessageSize bounds each part: parts summing past clientFrameBytesMax are served, one oversized part is cut off', async () => {
    const served: number[] = [];
    const endpoint = await bindEndpoint((request, reply) => {
      served.push(request.requestId);
      answerWithId(request, reply);
    });
    const big = (requestId: number, valueBytes: number) =>
      encodeClientRequest(requestId, {
        kind: 'command',
        command: { operation: { type: 'put', key: Uint8Array.of(1), value: new Uint8Array(valueBytes) } },
      });
    const dealer = rawDealer(endpoint.address);
    const threeFifths = Math.floor((clientFrameBytesMax * 3) / 5);
    await dealer.send([big(1, threeFifths), big(2, threeFifths)]);
    expect(decodeResponses(framesOfParts(await dealer.receive())).map((reply) => reply.requestId)).toEqual([
      1, 2,
    ]);
    const oversized = new Dealer({ linger: 0 });
    closers.push(() => oversized.close());
    oversized.connect(endpoint.address);
    await oversized.send(big(3, clientFrameBytesMax + 2048));
    await dealer.send(encodeClientRequest(4, { kind: 'status' }));
    expect(decodeResponses(await dealer.receive()).map((reply) => reply.requestId)).toEqual([4]);
    expect(served).toEqual([1, 2, 4]);
  });

  it('a reply larger than clientFrameBytesMax is replaced by response-too-large', async () => {
    const address = 'x'.repeat(250);
    const memberCount = Math.ceil(clientFrameBytesMax / 250) + 1;
    const endpoint = await bindEndpoint((_request, reply) =>
      reply({
        ok: true,
        result: {
          kind: 'members',
          leaderId: null,
          configuration: {
            members: Array.from({ length: memberCount }, (_, index) => ({
              id: nodeId(`n${index}`),
              role: 'voter' as const,
              address,
            })),
          },
        },
      }),
    );
    const exchange = await connect(endpoint.address).request({ kind: 'members' }, { timeoutMs: 10_000 });
    expect(exchange).toMatchObject({
      ok: true,
      response: { ok: false, error: { code: 'response-too-large' } },
    });
    expect(endpoint.counters().repliesTooLarge).toBe(1);
  });

  it('replies beyond clientReplyQueueFramesMax in one block are dropped and counted, exactly', async () => {
    const extra = 100;
    const total = clientReplyQueueFramesMax + extra;
    const endpoint = await bindEndpoint(
      holdUntil(total, (held) => {
        for (const [request, reply] of held) answerWithId(request, reply);
      }),
    );
    const dealer = rawDealer(endpoint.address);
    for (let sent = 0; sent < total; sent += clientFramesPerMessageMax) {
      const count = Math.min(clientFramesPerMessageMax, total - sent);
      await dealer.send(
        Array.from({ length: count }, (_, index) => encodeClientRequest(sent + index, { kind: 'status' })),
      );
    }
    let received = 0;
    while (received < clientReplyQueueFramesMax) received += framesOfParts(await dealer.receive()).length;
    expect(received).toBe(clientReplyQueueFramesMax);
    await eventually(
      () => endpoint.counters().repliesSent === clientReplyQueueFramesMax,
      'replies sent counted',
    );
    expect(endpoint.counters().repliesDropped).toBe(extra);
  });

  it('flush() hands the replies given so far to ZeroMQ at once; later ones of the block follow together', async () => {
    let endpoint: ClientEndpoint | undefined;
    endpoint = await bindEndpoint(
      holdUntil(3, ([first, ...rest]) => {
        answerWithId(...first!);
        endpoint!.flush();
        for (const [request, reply] of rest) answerWithId(request, reply);
      }),
    );
    const dealer = rawDealer(endpoint.address);
    await dealer.send([1, 2, 3].map((requestId) => encodeClientRequest(requestId, { kind: 'status' })));
    expect(decodeResponses(framesOfParts(await dealer.receive())).map((reply) => reply.requestId)).toEqual([
      1,
    ]);
    expect(decodeResponses(framesOfParts(await dealer.receive())).map((reply) => reply.requestId)).toEqual([
      2, 3,
    ]);
  });
  it('close() right after replies hands them to ZeroMQ first (one message), instead of dropping them', async () => {
    let endpoint: ClientEndpoint | undefined;
    endpoint = await bindEndpoint(
      holdUntil(3, (held) => {
        for (const [request, reply] of held) answerWithId(request, reply);
        endpoint!.close();
      }),
    );
    const dealer = rawDealer(endpoint.address);
    await dealer.send([1, 2, 3].map((requestId) => encodeClientRequest(requestId, { kind: 'status' })));
    await eventually(() => endpoint!.counters().repliesSent === 3, 'the three replies handed to ZeroMQ');
    expect(endpoint.counters().repliesDropped).toBe(0);
  });
});

describe('ClientSocket and ClientEndpoint together', () => {
  it('many requests in flight round trip through coalesced messages in both directions', async () => {
    const endpoint = await bindEndpoint((request, reply) => {
      setImmediate(() => answerWithId(request, reply));
    });
    const socket = connect(endpoint.address);
    const exchanges = await Promise.all(
      Array.from({ length: 1000 }, () => socket.request({ kind: 'members' }, { timeoutMs: 20_000 })),
    );
    expectOwnAnswers(exchanges);
    expect(endpoint.counters()).toMatchObject({ requestsReceived: 1000, repliesSent: 1000, framesBad: 0 });
  });
});
