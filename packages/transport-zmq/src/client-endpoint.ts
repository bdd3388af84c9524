// ClientEndpoint: a ROUTER bound on the node's client address. A message [identity, part…] carries N
// requests, one per plain part or several per frame pack; valid ones go to onRequest with a reply
// function, malformed ones are counted and answered with a typed error, and the endpoint keeps
// serving. Replies for one client produced in the same synchronous work leave as one message.
// Network trouble is dropped and counted, never thrown. With `security`, connections are CURVE-encrypted
// and only clients whose public key is on the allow-list (replaceable at run time) are admitted.
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
import { Context, Router } from 'zeromq';
import type { ConnectionRefusal, CurveKeyPair } from './curve.js';
import { CoalescingSender } from './internal/coalescing-sender.js';
import { framesOfPart, type PartFrames } from './internal/frame-packs.js';
import { receiveLoop } from './internal/receive-loop.js';
import type { SendOutcome } from './internal/serial-sender.js';
import { reportFailedHandshakes, ZapHandler } from './internal/zap-handler.js';
import {
  clientFramesPerMessageMax,
  clientMessageBytesMax,
  clientReplyQueueBytesMax,
  clientReplyQueueFramesMax,
  socketLingerMs,
} from './limits.js';

/** Answers one request; call it exactly once (a second call is a programmer error). */
export type ClientReply = (response: ClientResponseBody) => void;

export interface ClientEndpointOptions {
  /** Where the ROUTER binds, e.g. 'tcp://0.0.0.0:8001' or 'tcp://127.0.0.1:*' (OS-assigned port). */
  readonly bindAddress: string;
  readonly onRequest: (request: ClientRequest, reply: ClientReply) => void;
  /** CURVE with a client allow-list; without it the endpoint is plaintext and admits anyone. */
  readonly security?: ClientEndpointSecurity;
}

export interface ClientEndpointSecurity {
  /** The node's key pair; clients must know its public key. */
  readonly keyPair: CurveKeyPair;
  /** Public keys (Z85) of the clients admitted; setAllowedClientKeys replaces them. */
  readonly allowedClientKeys: Iterable<string>;
  /** A connection refused because its key is not on the allow-list (the owner logs it). */
  readonly onRefused?: (refusal: ConnectionRefusal) => void;
}

export interface ClientEndpointCounters {
  readonly requestsReceived: number;
  readonly repliesSent: number;
  /**
   * Request frames that failed to decode or validate (each answered with a typed error), plus every
   * frame of a message with more than clientFramesPerMessageMax (answered with one bad-request).
   */
  readonly framesBad: number;
  /** Replies not sent: the reply queue was full, ZeroMQ refused them, or the endpoint had closed. */
  readonly repliesDropped: number;
  /** Replies replaced by a 'response-too-large' error because they exceeded clientFrameBytesMax. */
  readonly repliesTooLarge: number;
  /** Connections refused by the ZAP handler: a key not on the allow-list. */
  readonly connectionsRefused: number;
}

type MutableCounters = { -readonly [K in keyof ClientEndpointCounters]: ClientEndpointCounters[K] };

export class ClientEndpoint {
  private readonly counts: MutableCounters = {
    requestsReceived: 0,
    repliesSent: 0,
    framesBad: 0,
    repliesDropped: 0,
    repliesTooLarge: 0,
    connectionsRefused: 0,
  };
  private readonly sender: CoalescingSender;
  private allowedKeys: ReadonlySet<string>;
  /** The cluster members' own keys: a member may call another's client endpoint (setMemberKeys). */
  private memberKeys: ReadonlySet<string> = new Set();
  private zap: ZapHandler | null = null;
  private closed = false;

  private constructor(
    private readonly options: ClientEndpointOptions,
    private readonly router: Router,
    /** The endpoint actually bound, with the OS-assigned port filled in. */
    readonly address: string,
  ) {
    this.allowedKeys = new Set(options.security?.allowedClientKeys ?? []);
    // Replies come from one synchronous actor turn, directly or from the promise continuations that
    // turn settled (raftkvd answers with `handle(request).then(reply)`). A nextTick queued by the first
    // reply runs once the synchronous work is over and, when queued from a continuation, only after
    // the whole microtask queue has drained — so continuations any number of hops deep still join the
    // message. A queueMicrotask flush would run before continuations queued after it, so replies a
    // different number of hops deep would leave one message each (a test pins this). Cost of nextTick:
    // replies given synchronously leave before continuations of the same turn, as two messages.
    this.sender = new CoalescingSender(
      router,
      {
        framesMax: clientReplyQueueFramesMax,
        bytesMax: clientReplyQueueBytesMax,
        framesPerMessageMax: clientFramesPerMessageMax,
        messageBytesMax: clientMessageBytesMax,
        partBytesMax: clientFrameBytesMax,
      },
      (flush) => process.nextTick(flush),
    );
  }

  /** Binds the ROUTER and starts serving. Rejects only if the address cannot be bound. */
  static async bind(options: ClientEndpointOptions): Promise<ClientEndpoint> {
    const security = options.security;
    // A context of its own, so this socket's ZAP handler answers for it alone (one per context).
    const context = security === undefined ? undefined : new Context({ blocky: false });
    // ZMQ_MAXMSGSIZE bounds each part of a message (not their sum), so it bounds every request frame.
    const router = new Router({
      ...(security === undefined || context === undefined
        ? {}
        : { context, curveServer: true, curveSecretKey: security.keyPair.secretKey, zapDomain: 'client' }),
      linger: socketLingerMs,
      maxMessageSize: clientFrameBytesMax + 1024,
    });
    let zap: ZapHandler | null = null;
    let endpoint: ClientEndpoint | null = null;
    try {
      if (context !== undefined) {
        reportFailedHandshakes(router, (refusal) => endpoint?.onRefused(refusal));
        zap = await ZapHandler.start(
          context,
          (key) => (endpoint?.allowedKeys.has(key) || endpoint?.memberKeys.has(key)) ?? false,
          (refusal) => endpoint?.onRefused(refusal),
        );
      }
      await router.bind(options.bindAddress);
    } catch (error) {
      zap?.close();
      router.close();
      throw error;
    }
    endpoint = new ClientEndpoint(options, router, router.lastEndpoint ?? options.bindAddress);
    endpoint.zap = zap;
    receiveLoop(router, (parts) => endpoint.onMessage(parts));
    return endpoint;
  }

  counters(): ClientEndpointCounters {
    return { ...this.counts };
  }

  /**
   * Replaces the client allow-list (e.g. after its file was reloaded). New connections are checked
   * against it; a client already connected stays connected until its connection drops.
   */
  setAllowedClientKeys(keys: Iterable<string>): void {
    this.allowedKeys = new Set(keys);
  }

  /**
   * Replaces the members' public keys, admitted besides the allow-list: a member calls another's
   * client endpoint as a client (e.g. to have the leader record its alarm). Checked as setAllowedClientKeys.
   */
  setMemberKeys(keys: Iterable<string>): void {
    this.memberKeys = new Set(keys);
  }

  /**
   * Hands the replies queued so far to ZeroMQ now rather than after the current synchronous work, e.g.
   * before the owner blocks on a disk commit. Only needed for replies given synchronously.
   */
  flush(): void {
    this.sender.flush();
  }

  /**
   * Closes the socket (lingering at most socketLingerMs). Replies already given are first handed to
   * ZeroMQ as far as one message allows; the rest, and later replies, are dropped and counted.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sender.flush();
    this.sender.close();
    this.router.close();
    this.zap?.close();
  }

  private onRefused(refusal: ConnectionRefusal): void {
    this.counts.connectionsRefused += 1;
    this.options.security?.onRefused?.(refusal);
  }

  /**
   * A ROUTER delivers [client routing id, part 1, …, part N]; each part is one request frame or a pack
   * of them, and each frame is decoded on its own. A bad pack is answered with one bad-request (its
   * frames' request ids cannot be trusted). A message of more than clientFramesPerMessageMax requests
   * gets one bad-request and none is served.
   */
  private onMessage(parts: readonly Buffer[]): number {
    const identity = parts[0];
    if (identity === undefined) return 1;
    const unpacked: PartFrames[] = [];
    let frameCount = 0;
    for (let part = 1; part < parts.length; part += 1) {
      const frames = framesOfPart(parts[part]!, clientFramesPerMessageMax);
      unpacked.push(frames);
      if (frames.ok) frameCount += frames.frames.length;
    }
    if (frameCount > clientFramesPerMessageMax) {
      this.counts.framesBad += frameCount;
      const message = `a message of ${frameCount} requests exceeds ${clientFramesPerMessageMax}`;
      this.send(identity, null, { ok: false, error: { code: 'bad-request', message } });
      return 1;
    }
    for (const frames of unpacked) {
      if (frames.ok) for (const frame of frames.frames) this.onRequestFrame(identity, frame);
      else {
        this.counts.framesBad += 1;
        this.send(identity, null, { ok: false, error: { code: 'bad-request', message: frames.reason } });
      }
    }
    return Math.max(1, frameCount);
  }

  private onRequestFrame(identity: Buffer, frame: Buffer): void {
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
    if (!this.sender.maybeEnqueue(identity, frame, this.onReplySettled)) this.counts.repliesDropped += 1;
  }

  /** Counts each reply once, whether its message was sent, refused by ZeroMQ, or discarded at close. */
  private readonly onReplySettled = (outcome: SendOutcome): void => {
    if (outcome === 'sent') this.counts.repliesSent += 1;
    else this.counts.repliesDropped += 1;
  };
}
