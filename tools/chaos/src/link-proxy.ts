// A TCP proxy for ONE directed peer link (the sender's DEALER → the receiver's ROUTER), run by the
// harness so partitions act outside the nodes' consensus code. When cut, it drops every open
// connection and every new one at once; when healed it forwards bytes untouched. Never parses them.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class LinkProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private cut = false;
  /** Connections dropped because the link was cut, for the report. */
  droppedConnections = 0;

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
    const pair: [Socket, Socket] = [inbound, outbound];
    this.pairs.add(pair);
    const drop = (): void => {
      inbound.destroy();
      outbound.destroy();
      this.pairs.delete(pair);
    };
    for (const socket of pair) {
      socket.setNoDelay(true);
      socket.on('error', drop);
      socket.on('close', drop);
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  }
}
