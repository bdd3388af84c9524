// The node's log lines for callers it turned away: ZeroMQ connections refused by key or failing the
// CURVE handshake (peer and client sockets), and HTTP calls without a valid token. Failed handshakes
// repeat as fast as the caller reconnects, so they are logged at most once per interval with a count.
import type { ConnectionRefusal } from '@raftkv/transport-zmq';
import type { HttpRefusal } from './http-access.js';
import type { Logger } from './logger.js';

/** At most one line per socket per this long for failed handshakes; the next line counts the rest. */
export const handshakeFailureLogIntervalMs = 10_000;

export class RefusalLog {
  private readonly lastHandshakeLine = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly id: string,
    private readonly now: () => number = Date.now,
  ) {}

  connection(socket: 'peer' | 'client', refusal: ConnectionRefusal): void {
    if (refusal.reason === 'key-not-admitted') {
      this.logger.warn(
        { socket, reason: refusal.reason, publicKey: refusal.publicKey, remoteAddress: refusal.address },
        `${this.id} refused a ${socket} connection from ${refusal.address || 'an unknown address'}: key ${refusal.publicKey ?? '(none)'} is not ${socket === 'peer' ? 'a member' : 'on the client allow-list'}`,
      );
      return;
    }
    const last = this.lastHandshakeLine.get(socket);
    const now = this.now();
    if (last !== undefined && now - last.at < handshakeFailureLogIntervalMs) {
      last.suppressed += 1;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.lastHandshakeLine.set(socket, { at: now, suppressed: 0 });
    const more = suppressed === 0 ? '' : ` (${suppressed} more since the last such line)`;
    this.logger.warn(
      { socket, reason: refusal.reason, detail: refusal.detail ?? null, suppressed },
      `${this.id} refused a ${socket} connection that failed the CURVE handshake (${refusal.detail ?? 'no detail'}): a plaintext caller, or one holding the wrong server key${more}`,
    );
  }

  http(refusal: HttpRefusal): void {
    this.logger.warn(
      {
        socket: 'http',
        path: refusal.path,
        method: refusal.method,
        remoteAddress: refusal.remoteAddress,
        reason: refusal.reason,
      },
      `${this.id} refused HTTP ${refusal.method} ${refusal.path} from ${refusal.remoteAddress || 'an unknown address'}: ${refusal.reason === 'no-token' ? 'no bearer token' : 'not a valid token'} (needs the ${refusal.credential})`,
    );
  }
}
