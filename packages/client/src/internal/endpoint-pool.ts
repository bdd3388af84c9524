// The client's sockets, one ClientSocket per node address (requests are pipelined over it, never a
// socket per request), plus which address leads and which endpoint to try next. No retry policy.
import { ClientSocket } from '@raftkv/transport-zmq';
import type { ClientSecurity } from '../options.js';

export class EndpointPool {
  private readonly sockets = new Map<string, ClientSocket>();
  private leaderAddress: string | null = null;
  private cursor = 0;
  private closed = false;

  constructor(
    private readonly endpoints: readonly string[],
    private readonly security?: ClientSecurity,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Where a request that needs the leader goes first: the known leader, else the next endpoint. */
  leaderOrNext(): string {
    return this.leaderAddress ?? this.current();
  }

  /** Where a request any node can serve goes: the endpoint in turn. */
  current(): string {
    return this.endpoints[this.cursor % this.endpoints.length]!;
  }

  rememberLeader(address: string): void {
    this.leaderAddress = address;
  }

  /** `address` failed to answer usefully: forget it as leader and move on to the next endpoint. */
  markFailed(address: string): void {
    if (this.leaderAddress === address) this.leaderAddress = null;
    this.cursor = (this.cursor + 1) % this.endpoints.length;
  }

  /** The next endpoint, in turn from the cursor, that is not in `visited`; null when all are. */
  unvisited(visited: ReadonlySet<string>): string | null {
    for (let step = 0; step < this.endpoints.length; step += 1) {
      const address = this.endpoints[(this.cursor + step) % this.endpoints.length]!;
      if (!visited.has(address)) return address;
    }
    return null;
  }

  socket(address: string): ClientSocket {
    let socket = this.sockets.get(address);
    if (socket === undefined) {
      const security = this.security;
      socket =
        security === undefined
          ? new ClientSocket(address)
          : new ClientSocket(address, {
              serverKey: security.serverKeys.get(address) ?? null,
              keyPair: security.keyPair,
            });
      this.sockets.set(address, socket);
    }
    return socket;
  }

  close(): void {
    this.closed = true;
    for (const socket of this.sockets.values()) socket.close();
    this.sockets.clear();
  }
}
