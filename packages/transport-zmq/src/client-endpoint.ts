// ClientEndpoint: a ROUTER bound on the node's client address. Valid requests go to onRequest with a
// reply function; malformed frames are counted and answered with a typed error, and the endpoint
// keeps serving. Network trouble is dropped and counted, never thrown into the caller.
import {
  type ClientRequest,
  type ClientResponseBody,
  clientErrorForDecodeError,
  clientFrameBytesMax,
  decodeClientRequest,
  encodeClientResponse,
  type RequestId,
} from '@raftkv/protocol';
import { assert } from '@raftkv/raft';
import { Router } from 'zeromq';
import { receiveLoop } from './internal/receive-loop.js';
import { type SendOutcome, SerialSender } from './internal/serial-sender.js';
import { clientReplyQueueBytesMax, clientReplyQueueFramesMax, socketLingerMs } from './limits.js';

/** Answers one request; call it exactly once (a second call is a programmer error). */
export type ClientReply = (response: ClientResponseBody) => void;

export interface ClientEndpointOptions {
  /** Where the ROUTER binds, e.g. 'tcp://0.0.0.0:8001' or 'tcp://127.0.0.1:*' (OS-assigned port). */
  readonly bindAddress: string;
  readonly onRequest: (request: ClientRequest, reply: ClientReply) => void;
}

export interface ClientEndpointCounters {
  readonly requestsReceived: number;
  readonly repliesSent: number;
  /** Frames that failed to decode or validate; each was answered with a typed error. */
  readonly framesBad: number;
  /** Replies not sent: the reply queue was full, ZeroMQ refused them, or the endpoint had closed. */
  readonly repliesDropped: number;
  /** Replies replaced by a 'response-too-large' error because they exceeded clientFrameBytesMax. */
  readonly repliesTooLarge: number;
}

type MutableCounters = { -readonly [K in keyof ClientEndpointCounters]: ClientEndpointCounters[K] };

export class ClientEndpoint {
  private readonly counts: MutableCounters = {
    requestsReceived: 0,
    repliesSent: 0,
    framesBad: 0,
    repliesDropped: 0,
    repliesTooLarge: 0,
  };
  private readonly sender: SerialSender;
  private closed = false;

  private constructor(
    private readonly options: ClientEndpointOptions,
    private readonly router: Router,
    /** The endpoint actually bound, with the OS-assigned port filled in. */
    readonly address: string,
  ) {
    this.sender = new SerialSender(router, {
      framesMax: clientReplyQueueFramesMax,
      bytesMax: clientReplyQueueBytesMax,
    });
  }

  /** Binds the ROUTER and starts serving. Rejects only if the address cannot be bound. */
  static async bind(options: ClientEndpointOptions): Promise<ClientEndpoint> {
    const router = new Router({ linger: socketLingerMs, maxMessageSize: clientFrameBytesMax + 1024 });
    try {
      await router.bind(options.bindAddress);
    } catch (error) {
      router.close();
      throw error;
    }
    const endpoint = new ClientEndpoint(options, router, router.lastEndpoint ?? options.bindAddress);
    receiveLoop(router, (parts) => endpoint.onFrame(parts));
    return endpoint;
  }

  counters(): ClientEndpointCounters {
    return { ...this.counts };
  }

  /** Closes the socket (lingering at most socketLingerMs); later replies are dropped and counted. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sender.close();
    this.router.close();
  }

  /** A ROUTER delivers [client routing id, frame]; a frame with more parts is answered as bad. */
  private onFrame(parts: readonly Buffer[]): void {
    const [identity, frame] = parts;
    if (identity === undefined) return;
    if (parts.length !== 2 || frame === undefined) {
      this.counts.framesBad += 1;
      this.send(identity, null, {
        ok: false,
        error: { code: 'bad-request', message: 'expected one frame part' },
      });
      return;
    }
    const decoded = decodeClientRequest(frame);
    if (!decoded.ok) {
      this.counts.framesBad += 1;
      this.send(identity, decoded.requestId, { ok: false, error: clientErrorForDecodeError(decoded.error) });
      return;
    }
    this.counts.requestsReceived += 1;
    this.options.onRequest(decoded.request, this.replyOnce(identity, decoded.request.requestId));
  }

  private replyOnce(identity: Buffer, requestId: RequestId): ClientReply {
    let replied = false;
    return (response) => {
      assert(!replied, () => `ClientEndpoint: request ${requestId} answered twice`);
      replied = true;
      this.send(identity, requestId, response);
    };
  }

  private send(identity: Buffer, requestId: RequestId | null, response: ClientResponseBody): void {
    let frame = encodeClientResponse(requestId, response);
    if (frame.byteLength > clientFrameBytesMax) {
      this.counts.repliesTooLarge += 1;
      const message = `response of ${frame.byteLength} bytes exceeds ${clientFrameBytesMax}; ask for less`;
      frame = encodeClientResponse(requestId, { ok: false, error: { code: 'response-too-large', message } });
    }
    const onSettled = (outcome: SendOutcome): void => {
      if (outcome === 'sent') this.counts.repliesSent += 1;
      else this.counts.repliesDropped += 1;
    };
    if (!this.sender.maybeEnqueue([identity, frame], frame.byteLength, onSettled))
      this.counts.repliesDropped += 1;
  }
}
