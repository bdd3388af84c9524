// A ZAP handler (ZeroMQ RFC 27) for one ZeroMQ context: libzmq asks it, over inproc, whether each
// CURVE client may connect to a CURVE server socket of that context. Admits only the public keys the
// owner's `isAdmitted` accepts; every refusal is reported. Bad requests are answered, never thrown.
// Also reports handshakes that fail before ZAP is asked (plaintext clients, a wrong server key).
import { type Context, Router, type Socket } from 'zeromq';
import type { ConnectionRefusal } from '../curve.js';
import { z85Encode } from '../curve.js';

/** The endpoint libzmq sends ZAP requests to (RFC 27). */
const zapEndpoint = 'inproc://zeromq.zap.01';
const curvePublicKeyBytes = 32;

export class ZapHandler {
  private constructor(private readonly router: Router) {}

  /** Binds the handler in `context`; sockets of that context with curveServer consult it. */
  static async start(
    context: Context,
    isAdmitted: (publicKey: string) => boolean,
    onRefused: (refusal: ConnectionRefusal) => void,
  ): Promise<ZapHandler> {
    const router = new Router({ context, linger: 0 });
    await router.bind(zapEndpoint);
    const handler = new ZapHandler(router);
    void handler.serve(isAdmitted, onRefused);
    return handler;
  }

  close(): void {
    this.router.close();
  }

  private async serve(
    isAdmitted: (publicKey: string) => boolean,
    onRefused: (refusal: ConnectionRefusal) => void,
  ): Promise<void> {
    for (;;) {
      let parts: Buffer[];
      try {
        parts = await this.router.receive();
      } catch {
        return; // closed
      }
      // [routing id, empty, version, request id, domain, address, identity, mechanism, credentials…]
      const [routingId, , version, requestId, , address, , mechanism, credentials] = parts;
      if (routingId === undefined || requestId === undefined) continue;
      const key =
        mechanism?.toString() === 'CURVE' && credentials?.byteLength === curvePublicKeyBytes
          ? z85Encode(credentials)
          : null;
      const admitted = version?.toString() === '1.0' && key !== null && isAdmitted(key);
      if (!admitted)
        onRefused({ reason: 'key-not-admitted', publicKey: key, address: address?.toString() ?? '' });
      const reply = admitted ? ['200', 'OK', key] : ['400', 'key not admitted', ''];
      try {
        await this.router.send([routingId, '', '1.0', requestId, ...reply, '']);
      } catch {
        return; // closed while answering
      }
    }
  }
}

/**
 * Reports connections to a CURVE server `socket` that failed before ZAP was asked: plaintext clients
 * and clients holding the wrong server key. Call before binding: the monitor starts at first use.
 */
export function reportFailedHandshakes(
  socket: Socket,
  onRefused: (refusal: ConnectionRefusal) => void,
): void {
  socket.events.on('handshake:error:protocol', (event) => {
    onRefused({ reason: 'handshake-failed', publicKey: null, address: '', detail: event.error.code });
  });
  // The same callers, when the connection drops before the server has read the caller's mechanism
  // (a plaintext client that sees the CURVE greeting first and hangs up: EPIPE, ECONNRESET).
  socket.events.on('handshake:error:other', (event) => {
    onRefused({ reason: 'handshake-failed', publicKey: null, address: '', detail: event.error.code });
  });
}
