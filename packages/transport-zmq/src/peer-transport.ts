// PeerTransport: Raft peer messages over ZeroMQ. A ROUTER bound on our peer address receives; one
// DEALER per peer (routing id = our node id) sends. Fire and forget (paper §5.1: RPCs may be lost
// and are retried by Raft): network trouble is dropped and counted, never thrown into the caller.
// With `security`, every connection is CURVE-encrypted and the ROUTER admits only current peers' keys.
import { decodePeerFrame, frameBytesMax } from '@raftkv/protocol';
import { assert, type Message, type NodeId, type Transport } from '@raftkv/raft';
import { Context, Dealer, Router } from 'zeromq';
import type { ConnectionRefusal, CurveKeyPair } from './curve.js';
import { encodeFrames, groupByDestination } from './internal/frame-batches.js';
import { receiveLoop } from './internal/receive-loop.js';
import { type SendOutcome, SerialSender } from './internal/serial-sender.js';
import { reportFailedHandshakes, ZapHandler } from './internal/zap-handler.js';
import {
  heartbeatIntervalMs,
  heartbeatTimeoutMs,
  peerSendQueueBytesMax,
  peerSendQueueFramesMax,
  peerSocketHighWaterMarkFrames,
  reconnectIntervalMaxMs,
  reconnectIntervalMs,
  socketLingerMs,
} from './limits.js';

export interface PeerTransportOptions {
  readonly id: NodeId;
  /** Where the ROUTER binds, e.g. 'tcp://127.0.0.1:7001' or 'tcp://127.0.0.1:*' (OS-assigned port). */
  readonly bindAddress: string;
  /** Valid messages of one received frame, all from the same sender, addressed to us, in order. */
  readonly onMessages: (messages: Message[]) => void;
  readonly sendQueueFramesMax?: number;
  readonly sendQueueBytesMax?: number;
  /** CURVE on every peer connection; without it the transport is plaintext and admits anyone. */
  readonly security?: PeerSecurity;
}

export interface PeerSecurity {
  /** This node's key pair: its ROUTER is a CURVE server, its DEALERs CURVE clients. */
  readonly keyPair: CurveKeyPair;
  /** A connection refused because its key is not a current peer's (the owner logs it). */
  readonly onRefused?: (refusal: ConnectionRefusal) => void;
}

/** Where a peer listens and, on a secure transport, its public key (null: unknown, so unreachable). */
export interface PeerEndpoint {
  readonly address: string;
  readonly publicKey: string | null;
}

export interface PeerTransportCounters {
  readonly framesSent: number;
  readonly messagesSent: number;
  readonly framesReceived: number;
  readonly messagesReceived: number;
  /** Not sent: the destination's send queue was full. */
  readonly messagesDroppedQueueFull: number;
  /** Not sent: the destination is not among the peers given to setPeers(). */
  readonly messagesDroppedUnknownPeer: number;
  /** Not sent: ZeroMQ refused the frame (peer not connected, or its high-water mark reached). */
  readonly messagesDroppedUnreachable: number;
  /** Not sent: a single message larger than frameBytesMax. */
  readonly messagesDroppedOversized: number;
  /** Not sent: still queued when the peer was removed or readdressed, or the transport closed. */
  readonly messagesDroppedDiscarded: number;
  /** Received frames that failed to decode or validate. */
  readonly framesBad: number;
  /** Received frames whose messages were not all from the sending socket's node id and to us. */
  readonly framesMisrouted: number;
  /** Connections refused by the ZAP handler: a key that is not a current peer's. */
  readonly connectionsRefused: number;
}

type MutableCounters = { -readonly [K in keyof PeerTransportCounters]: PeerTransportCounters[K] };

interface PeerConnection {
  readonly address: string;
  readonly publicKey: string | null;
  readonly dealer: Dealer;
  readonly sender: SerialSender;
  /** A pending redial after a refused handshake (libzmq does not retry one by itself). */
  redial: NodeJS.Timeout | null;
}

export class PeerTransport implements Transport {
  private readonly peers = new Map<NodeId, PeerConnection>();
  private readonly counts: MutableCounters = {
    framesSent: 0,
    messagesSent: 0,
    framesReceived: 0,
    messagesReceived: 0,
    messagesDroppedQueueFull: 0,
    messagesDroppedUnknownPeer: 0,
    messagesDroppedUnreachable: 0,
    messagesDroppedOversized: 0,
    messagesDroppedDiscarded: 0,
    framesBad: 0,
    framesMisrouted: 0,
    connectionsRefused: 0,
  };
  /** Public keys of the current peers: the only keys the ZAP handler admits. */
  private admittedKeys = new Set<string>();
  private zap: ZapHandler | null = null;
  private closed = false;

  private constructor(
    private readonly options: PeerTransportOptions,
    private readonly router: Router,
    /** The endpoint actually bound, with the OS-assigned port filled in. */
    readonly address: string,
  ) {}

  /** Binds the ROUTER and starts receiving. Rejects only if the address cannot be bound. */
  static async bind(options: PeerTransportOptions): Promise<PeerTransport> {
    const security = options.security;
    // A context of its own, so this socket's ZAP handler answers for it alone (one per context).
    const context = security === undefined ? undefined : new Context({ blocky: false });
    const router = new Router({
      ...(security === undefined || context === undefined
        ? {}
        : { context, curveServer: true, curveSecretKey: security.keyPair.secretKey, zapDomain: 'peer' }),
      handover: true,
      linger: socketLingerMs,
      maxMessageSize: frameBytesMax + 1024,
      heartbeatInterval: heartbeatIntervalMs,
      heartbeatTimeout: heartbeatTimeoutMs,
    });
    let zap: ZapHandler | null = null;
    let transport: PeerTransport | null = null;
    try {
      if (context !== undefined) {
        reportFailedHandshakes(router, (refusal) => transport?.onRefused(refusal));
        zap = await ZapHandler.start(
          context,
          (key) => transport?.admittedKeys.has(key) ?? false,
          (refusal) => transport?.onRefused(refusal),
        );
      }
      await router.bind(options.bindAddress);
    } catch (error) {
      zap?.close();
      router.close();
      throw error;
    }
    transport = new PeerTransport(options, router, router.lastEndpoint ?? options.bindAddress);
    transport.zap = zap;
    transport.startReceiving();
    return transport;
  }

  /**
   * The peers to send to, by id (an address alone means no key). New ids get a DEALER, changed
   * addresses or keys a fresh DEALER, missing ids are disconnected; frames still queued for a removed
   * or readdressed peer are discarded. On a secure transport these peers' keys are the only ones
   * admitted from now on (connections already up stay up until they drop), and a peer without a key
   * is unreachable.
   */
  setPeers(peers: ReadonlyMap<NodeId, string | PeerEndpoint>): void {
    if (this.closed) return;
    const endpoints = new Map<NodeId, PeerEndpoint>();
    for (const [id, peer] of peers) {
      endpoints.set(id, typeof peer === 'string' ? { address: peer, publicKey: null } : peer);
    }
    this.admittedKeys = new Set(
      [...endpoints.values()].flatMap((peer) => (peer.publicKey === null ? [] : [peer.publicKey])),
    );
    for (const [id, connection] of this.peers) {
      const peer = endpoints.get(id);
      if (peer?.address !== connection.address || peer.publicKey !== connection.publicKey) {
        this.disconnect(id, connection);
      }
    }
    for (const [id, peer] of endpoints) {
      if (id === this.options.id || this.peers.has(id)) continue;
      if (this.options.security !== undefined && peer.publicKey === null) continue;
      this.peers.set(id, this.connect(peer));
    }
  }

  /** One frame per destination (split only past the protocol's bounds); never throws, never blocks. */
  send(messages: readonly Message[]): void {
    for (const [to, group] of groupByDestination(messages)) {
      for (const message of group) {
        assert(message.from === this.options.id, () => `PeerTransport: message from ${message.from}, not us`);
      }
      const connection = this.closed ? undefined : this.peers.get(to);
      if (connection === undefined) {
        this.counts.messagesDroppedUnknownPeer += group.length;
        continue;
      }
      const { frames, oversizedMessages } = encodeFrames(group);
      this.counts.messagesDroppedOversized += oversizedMessages;
      for (const frame of frames) this.enqueue(connection, frame.bytes, frame.messageCount);
    }
  }

  counters(): PeerTransportCounters {
    return { ...this.counts };
  }

  /** Closes every socket (each lingers at most socketLingerMs); queued frames are discarded. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id, connection] of this.peers) this.disconnect(id, connection);
    this.router.close();
    this.zap?.close();
  }

  private onRefused(refusal: ConnectionRefusal): void {
    this.counts.connectionsRefused += 1;
    this.options.security?.onRefused?.(refusal);
  }

  private connect(peer: PeerEndpoint): PeerConnection {
    const { address, publicKey } = peer;
    const keyPair = this.options.security?.keyPair;
    const dealer = new Dealer({
      ...(keyPair === undefined || publicKey === null
        ? {}
        : {
            curveServerKey: publicKey,
            curvePublicKey: keyPair.publicKey,
            curveSecretKey: keyPair.secretKey,
          }),
      routingId: this.options.id,
      immediate: true,
      sendTimeout: 0,
      sendHighWaterMark: peerSocketHighWaterMarkFrames,
      linger: socketLingerMs,
      reconnectInterval: reconnectIntervalMs,
      reconnectMaxInterval: reconnectIntervalMaxMs,
      heartbeatInterval: heartbeatIntervalMs,
      heartbeatTimeout: heartbeatTimeoutMs,
    });
    const sender = new SerialSender(dealer, {
      framesMax: this.options.sendQueueFramesMax ?? peerSendQueueFramesMax,
      bytesMax: this.options.sendQueueBytesMax ?? peerSendQueueBytesMax,
    });
    const connection: PeerConnection = { address, publicKey, dealer, sender, redial: null };
    if (keyPair !== undefined) {
      // A peer that refused us (it did not know our key yet, e.g. we were added before it learned the
      // configuration) may admit us later; libzmq treats the refusal as final, so dial again.
      const redialLater = (): void => {
        if (connection.redial !== null || dealer.closed) return;
        connection.redial = setTimeout(() => {
          connection.redial = null;
          if (dealer.closed) return;
          try {
            dealer.disconnect(address);
          } catch {
            // already disconnected
          }
          dealer.connect(address);
        }, reconnectIntervalMaxMs);
        connection.redial.unref();
      };
      // The monitor starts when `events` is first read: subscribe before dialling, or a refusal that
      // comes back at once is never seen and the peer is never dialled again.
      dealer.events.on('handshake:error:auth', redialLater);
      dealer.events.on('handshake:error:protocol', redialLater);
    }
    dealer.connect(address);
    return connection;
  }

  private disconnect(id: NodeId, connection: PeerConnection): void {
    if (connection.redial !== null) clearTimeout(connection.redial);
    connection.sender.close();
    connection.dealer.close();
    this.peers.delete(id);
  }

  private enqueue(connection: PeerConnection, bytes: Uint8Array, messageCount: number): void {
    const onSettled = (outcome: SendOutcome): void => {
      if (outcome === 'sent') {
        this.counts.framesSent += 1;
        this.counts.messagesSent += messageCount;
      } else if (outcome === 'failed') {
        this.counts.messagesDroppedUnreachable += messageCount;
      } else {
        this.counts.messagesDroppedDiscarded += messageCount;
      }
    };
    if (!connection.sender.maybeEnqueue(bytes, bytes.byteLength, onSettled)) {
      this.counts.messagesDroppedQueueFull += messageCount;
    }
  }

  private startReceiving(): void {
    receiveLoop(this.router, (parts) => {
      this.onFrame(parts);
      return 1;
    });
  }

  /** A ROUTER delivers [sender routing id, frame]; anything else is a bad frame. */
  private onFrame(parts: readonly Buffer[]): void {
    const [identity, frame] = parts;
    if (parts.length !== 2 || identity === undefined || frame === undefined) {
      this.counts.framesBad += 1;
      return;
    }
    const decoded = decodePeerFrame(frame);
    if (!decoded.ok) {
      this.counts.framesBad += 1;
      return;
    }
    const sender = identity.toString('utf8');
    if (!decoded.messages.every((message) => message.from === sender && message.to === this.options.id)) {
      this.counts.framesMisrouted += 1;
      return;
    }
    this.counts.framesReceived += 1;
    this.counts.messagesReceived += decoded.messages.length;
    this.options.onMessages(decoded.messages);
  }
}
