// A TCP proxy for ONE directed peer link (the sender's DEALER → the receiver's ROUTER), run by the
// harness so partitions act outside the nodes' consensus code. When cut, it drops every open
// connection and every new one at once; when throttled it shapes the sender's bytes with a token
// bucket; when healed it forwards bytes untouched. Never parses them.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { TokenBucket } from './token-bucket.js';

/** How a throttled link shapes: tc tbf's rate, burst and queue limit, in bytes. */
export interface ThrottleShape {
  readonly bytesPerSecond: number;
  readonly burstBytes: number;
  /** Bytes waiting beyond this are dropped; a byte stream cannot lose a middle, so the connection is. */
  readonly queueLimitBytes: number;
}

/** A shape for `kbitPerSecond`: a burst of 50 ms (at least one packet), a queue of 2 s of traffic. */
export function throttleShape(kbitPerSecond: number): ThrottleShape {
  const bytesPerSecond = (kbitPerSecond * 1000) / 8;
  return {
    bytesPerSecond,
    burstBytes: Math.max(1500, Math.round(bytesPerSecond / 20)),
    queueLimitBytes: Math.round(2 * bytesPerSecond),
  };
}

type Pair = [inbound: Socket, outbound: Socket, shaper: ShapedForwarder];

export class LinkProxy {
  private readonly pairs = new Set<Pair>();
  private cut = false;
  private bucket: TokenBucket | null = null;
  private shape: ThrottleShape | null = null;
  /** Connections dropped because the link was cut, for the report. */
  droppedConnections = 0;
  /** Connections dropped because a throttled link's queue overflowed. */
  throttleDrops = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    /** Read at each connection: the target may be allocated after the proxy listens. */
    private readonly targetPort: () => number,
  ) {
    server.on('connection', (socket) => this.onConnection(socket));
  }

  /** Listens on 127.0.0.1 at an OS-assigned port and forwards to 127.0.0.1:targetPort(). */
  static async open(targetPort: () => number): Promise<LinkProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the OS assigned no port');
    return new LinkProxy(server, address.port, targetPort);
  }

  get isCut(): boolean {
    return this.cut;
  }

  get isThrottled(): boolean {
    return this.shape !== null;
  }

  /** Cuts (true) or heals (false) the link; cutting drops every open connection. */
  setCut(cut: boolean): void {
    this.cut = cut;
    if (!cut) return;
    for (const [inbound, outbound] of this.pairs) {
      inbound.destroy();
      outbound.destroy();
      this.droppedConnections += 1;
    }
    this.pairs.clear();
  }

  /** Shapes the sender's bytes from now on (open connections too), or stops shaping (null). */
  setThrottle(shape: ThrottleShape | null): void {
    this.shape = shape;
    this.bucket =
      shape === null ? null : new TokenBucket(shape.bytesPerSecond, shape.burstBytes, performance.now());
    for (const [, , shaper] of this.pairs) shaper.pump();
  }

  async close(): Promise<void> {
    this.setCut(true);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(inbound: Socket): void {
    if (this.cut) {
      this.droppedConnections += 1;
      inbound.destroy();
      return;
    }
    const outbound = createConnection({ host: '127.0.0.1', port: this.targetPort() });
    const drop = (): void => {
      inbound.destroy();
      outbound.destroy();
      shaper.stop();
      this.pairs.delete(pair);
    };
    const shaper = new ShapedForwarder(inbound, outbound, {
      bucket: () => this.bucket,
      queueLimitBytes: () => this.shape?.queueLimitBytes ?? Number.POSITIVE_INFINITY,
      onOverflow: () => {
        this.throttleDrops += 1;
        drop();
      },
    });
    const pair: Pair = [inbound, outbound, shaper];
    this.pairs.add(pair);
    for (const socket of [inbound, outbound]) {
      socket.setNoDelay(true);
      socket.on('error', drop);
      socket.on('close', drop);
    }
    outbound.pipe(inbound);
  }
}

interface ShapingPolicy {
  /** The link's bucket while throttled, else null (bytes pass at once). */
  bucket(): TokenBucket | null;
  queueLimitBytes(): number;
  onOverflow(): void;
}

/**
 * Forwards the sender's bytes to the receiver: at once while the link is not throttled (with the
 * usual backpressure), else in FIFO order as the token bucket allows, waiting on a timer for tokens.
 */
class ShapedForwarder {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly policy: ShapingPolicy,
  ) {
    from.on('data', (chunk: Buffer) => this.onData(chunk));
    to.on('drain', () => from.resume());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  pump(): void {
    if (this.stopped) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.queue.length > 0) {
      const bucket = this.policy.bucket();
      const head = this.queue[0]!;
      const now = performance.now();
      const allowed = bucket === null ? head.length : bucket.take(head.length, now);
      if (allowed === 0) {
        this.timer = setTimeout(() => this.pump(), Math.max(1, bucket!.msUntil(head.length, now)));
        return;
      }
      if (allowed === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(allowed);
      this.queuedBytes -= allowed;
      if (!this.to.write(head.subarray(0, allowed))) this.from.pause();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.stopped) return;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > this.policy.queueLimitBytes()) {
      this.policy.onOverflow();
      return;
    }
    if (this.timer === null) this.pump();
  }
}
