// ClientSocket: a DEALER connected to one node's client endpoint. request() resolves with the node's
// decoded response or a typed local failure (timeout, closed, ...), never rejects; responses are
// matched by requestId, so many requests may be in flight. Requests issued in one event-loop turn
// leave as one message (one frame pack). With `curve`, the connection is CURVE-encrypted and
// authenticated both ways. Holds no Raft or KV logic.
import {
  type ClientRequestBody,
  type ClientResponse,
  clientFrameBytesMax,
  decodeClientResponse,
  encodeClientRequest,
  type RequestId,
} from '@raftkv/protocol';
import { Dealer } from 'zeromq';
import type { CurveKeyPair } from './curve.js';
import { CoalescingSender } from './internal/coalescing-sender.js';
import { framesOfPart } from './internal/frame-packs.js';
import { receiveLoop } from './internal/receive-loop.js';
import type { SendOutcome } from './internal/serial-sender.js';
import {
  clientFramesPerMessageMax,
  clientMessageBytesMax,
  clientRequestQueueBytesMax,
  clientRequestQueueFramesMax,
  heartbeatIntervalMs,
  heartbeatTimeoutMs,
  reconnectIntervalMaxMs,
  reconnectIntervalMs,
} from './limits.js';

export type ClientSocketErrorCode =
  /** No response within timeoutMs. For a write the outcome is unknown: it may still apply. */
  | 'timeout'
  /** The socket was closed before a response arrived. */
  | 'closed'
  /** The request could not be queued or ZeroMQ refused it (queue full, high-water mark). */
  | 'send-failed'
  /** The encoded request exceeds clientFrameBytesMax; it was not sent. */
  | 'request-too-large'
  /** A response carrying this requestId arrived but failed to decode or validate. */
  | 'bad-response';

export type ClientExchange =
  | { readonly ok: true; readonly response: ClientResponse }
  | {
      readonly ok: false;
      readonly error: { readonly code: ClientSocketErrorCode; readonly message: string };
    };

export interface ClientSocketCounters {
  readonly requestsSent: number;
  readonly responsesReceived: number;
  /** Responses for no pending request (late after a timeout, or duplicated) or without a readable id. */
  readonly responsesUnmatched: number;
  readonly responsesBad: number;
  readonly timeouts: number;
}

type MutableCounters = { -readonly [K in keyof ClientSocketCounters]: ClientSocketCounters[K] };

interface PendingRequest {
  readonly resolve: (exchange: ClientExchange) => void;
  readonly timer: NodeJS.Timeout;
}

export class ClientSocket {
  private readonly dealer: Dealer;
  private readonly sender: CoalescingSender;
  private readonly pending = new Map<RequestId, PendingRequest>();
  private readonly counts: MutableCounters = {
    requestsSent: 0,
    responsesReceived: 0,
    responsesUnmatched: 0,
    responsesBad: 0,
    timeouts: 0,
  };
  private nextRequestId: RequestId = 1;
  private closed = false;
  private readonly missingServerKey: boolean;

  /**
   * Connects (asynchronously, with reconnects) to a node's client address, e.g. 'tcp://127.0.0.1:8001'.
   * With `curve`, only a server holding `serverKey`'s secret is spoken to, as the client `keyPair`; a
   * server that refuses the key (or has another) never answers, so requests time out. A null
   * `serverKey` (none known for this address) never connects: every request fails with send-failed,
   * rather than falling back to plaintext.
   */
  constructor(
    readonly address: string,
    curve?: { readonly serverKey: string | null; readonly keyPair: CurveKeyPair },
  ) {
    this.missingServerKey = curve !== undefined && curve.serverKey === null;
    this.dealer = new Dealer({
      ...(curve === undefined || curve.serverKey === null
        ? {}
        : {
            curveServerKey: curve.serverKey,
            curvePublicKey: curve.keyPair.publicKey,
            curveSecretKey: curve.keyPair.secretKey,
          }),
      linger: 0,
      sendTimeout: 0,
      // ZMQ_MAXMSGSIZE bounds each part of a message, so it bounds every response frame.
      maxMessageSize: clientFrameBytesMax + 1024,
      reconnectInterval: reconnectIntervalMs,
      reconnectMaxInterval: reconnectIntervalMaxMs,
      heartbeatInterval: heartbeatIntervalMs,
      heartbeatTimeout: heartbeatTimeoutMs,
    });
    if (!this.missingServerKey) this.dealer.connect(address);
    // setImmediate runs after this turn's promise continuations, so requests they issue join the message.
    this.sender = new CoalescingSender(
      this.dealer,
      {
        framesMax: clientRequestQueueFramesMax,
        bytesMax: clientRequestQueueBytesMax,
        framesPerMessageMax: clientFramesPerMessageMax,
        messageBytesMax: clientMessageBytesMax,
        partBytesMax: clientFrameBytesMax,
      },
      (flush) => setImmediate(flush),
    );
    receiveLoop(this.dealer, (parts) => this.onMessage(parts));
  }

  /**
   * Sends one request (with the others of this event-loop turn, in one message) and waits at most
   * `timeoutMs` for its response. Never rejects.
   */
  request(body: ClientRequestBody, options: { readonly timeoutMs: number }): Promise<ClientExchange> {
    if (this.closed) return Promise.resolve(failure('closed', 'the client socket is closed'));
    if (this.missingServerKey) {
      return Promise.resolve(failure('send-failed', `no CURVE server key is known for ${this.address}`));
    }
    const requestId = this.nextRequestId;
    this.nextRequestId += 1;
    const frame = encodeClientRequest(requestId, body);
    if (frame.byteLength > clientFrameBytesMax) {
      const message = `request of ${frame.byteLength} bytes exceeds ${clientFrameBytesMax}`;
      return Promise.resolve(failure('request-too-large', message));
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.counts.timeouts += 1;
        this.settle(
          requestId,
          failure('timeout', `no response from ${this.address} within ${options.timeoutMs} ms`),
        );
      }, options.timeoutMs);
      this.pending.set(requestId, { resolve, timer });
      const onSettled = (outcome: SendOutcome): void => {
        if (outcome === 'sent') this.counts.requestsSent += 1;
        else this.settle(requestId, failure('send-failed', `could not send to ${this.address} (${outcome})`));
      };
      if (!this.sender.maybeEnqueue(null, frame, onSettled)) {
        this.settle(requestId, failure('send-failed', 'the request queue is full'));
      }
    });
  }

  counters(): ClientSocketCounters {
    return { ...this.counts };
  }

  /** Closes the socket at once; every pending request resolves with 'closed'. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const requestId of [...this.pending.keys()]) {
      this.settle(requestId, failure('closed', 'the client socket was closed'));
    }
    this.sender.close();
    this.dealer.close();
  }

  /** A message carries response frames, one per plain part or several per pack, each decoded on its own. */
  private onMessage(parts: readonly Buffer[]): number {
    let frames = 0;
    for (const part of parts) {
      const unpacked = framesOfPart(part, clientFramesPerMessageMax);
      if (!unpacked.ok) {
        this.counts.responsesBad += 1;
        continue;
      }
      for (const frame of unpacked.frames) this.onResponseFrame(frame);
      frames += unpacked.frames.length;
    }
    return Math.max(1, frames);
  }

  private onResponseFrame(frame: Buffer): void {
    const decoded = decodeClientResponse(frame);
    if (!decoded.ok) {
      this.counts.responsesBad += 1;
      if (decoded.requestId !== null && this.pending.has(decoded.requestId)) {
        this.settle(
          decoded.requestId,
          failure('bad-response', `${decoded.error.code}: ${decoded.error.message}`),
        );
      }
      return;
    }
    const requestId = decoded.response.requestId;
    if (requestId === null || !this.pending.has(requestId)) {
      this.counts.responsesUnmatched += 1;
      return;
    }
    this.counts.responsesReceived += 1;
    this.settle(requestId, { ok: true, response: decoded.response });
  }

  private settle(requestId: RequestId, exchange: ClientExchange): void {
    const pending = this.pending.get(requestId);
    if (pending === undefined) return;
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    pending.resolve(exchange);
  }
}

const failure = (code: ClientSocketErrorCode, message: string): ClientExchange => ({
  ok: false,
  error: { code, message },
});
