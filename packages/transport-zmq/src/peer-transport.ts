// PeerTransport: Raft peer messages over ZeroMQ. A ROUTER bound on our peer address receives; one
// DEALER per peer (routing id = our node id) sends. Fire and forget (paper §5.1: RPCs may be lost
// and are retried by Raft): network trouble is dropped and counted, never thrown into the caller.
import { decodePeerFrame, frameBytesMax } from '@raftkv/protocol';
import { assert, type Message, type NodeId, type Transport } from '@raftkv/raft';
import { Dealer, Router } from 'zeromq';
import { encodeFrames, groupByDestination } from './internal/frame-batches.js';
import { receiveLoop } from './internal/receive-loop.js';
import { type SendOutcome, SerialSender } from './internal/serial-sender.js';
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
}

type MutableCounters = { -readonly [K in keyof PeerTransportCounters]: PeerTransportCounters[K] };

interface PeerConnection {
  readonly address: string;
  readonly dealer: Dealer;
  readonly sender: SerialSender;
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
  };
  private closed = false;

  private constructor(
    private readonly options: PeerTransportOptions,
    private readonly router: Router,
    /** The endpoint actually bound, with the OS-assigned port filled in. */
    readonly address: string,
  ) {}

  /** Binds the ROUTER and starts receiving. Rejects only if the address cannot be bound. */
  static async bind(options: PeerTransportOptions): Promise<PeerTransport> {
    const router = new Router({
      handover: true,
      linger: socketLingerMs,
      maxMessageSize: frameBytesMax + 1024,
      heartbeatInterval: heartbeatIntervalMs,
      heartbeatTimeout: heartbeatTimeoutMs,
    });
    try {
      await router.bind(options.bindAddress);
    } catch (error) {
      router.close();
      throw error;
    }
    const transport = new PeerTransport(options, router, router.lastEndpoint ?? options.bindAddress);
    transport.startReceiving();
    return transport;
  }

  /**
   * The peers to send to, by id. New ids get a DEALER, changed addresses a fresh DEALER, missing
   * ids are disconnected; frames still queued for a removed or readdressed peer are discarded.
   */
  setPeers(peers: ReadonlyMap<NodeId, string>): void {
    if (this.closed) return;
    for (const [id, connection] of this.peers) {
      if (peers.get(id) !== connection.address) this.disconnect(id, connection);
    }
    for (const [id, address] of peers) {
      if (id !== this.options.id && !this.peers.has(id)) this.peers.set(id, this.connect(address));
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
  }

  private connect(address: string): PeerConnection {
    const dealer = new Dealer({
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
    dealer.connect(address);
    const sender = new SerialSender(dealer, {
      framesMax: this.options.sendQueueFramesMax ?? peerSendQueueFramesMax,
      bytesMax: this.options.sendQueueBytesMax ?? peerSendQueueBytesMax,
    });
    return { address, dealer, sender };
  }

  private disconnect(id: NodeId, connection: PeerConnection): void {
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
