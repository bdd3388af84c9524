// KvClient's options and their defaults as named constants. Declarations only; no behaviour.
import type { ReadConsistency } from '@raftkv/protocol';
import type { CurveKeyPair } from '@raftkv/transport-zmq';

/** Overall time a request may take, retries and redirects included. */
export const timeoutMsDefault = 5000;
/** Time one attempt waits for a node before the client tries again (same session sequence). */
export const attemptTimeoutMsDefault = 1000;
/** not-leader redirects one request may follow before it gives up. */
export const maxRedirectsDefault = 10;
/** Retry backoff: doubles from base to max, with jitter, and never exceeds the time left. */
export const backoffBaseMs = 20;
export const backoffMaxMs = 400;
/** Default number of pairs a range or prefix scan returns. */
export const rangeLimitDefault = 1000;

export interface RedirectEvent {
  /** The client address that answered not-leader. */
  readonly from: string;
  /** The leader's client address it named, which the client follows. */
  readonly to: string;
  readonly leaderId: string | null;
}

export interface KvClientOptions {
  /** Client addresses of cluster members, e.g. ['tcp://127.0.0.1:8001']; any member will do. */
  readonly endpoints: readonly string[];
  readonly timeoutMs?: number;
  readonly attemptTimeoutMs?: number;
  readonly maxRedirects?: number;
  /** Default consistency of reads: 'linearizable' (ReadIndex on the leader) unless set. */
  readonly consistency?: ReadConsistency;
  readonly onRedirect?: (event: RedirectEvent) => void;
  /** CURVE to secure nodes; without it the client speaks plaintext. */
  readonly security?: ClientSecurity;
}

/**
 * The client's key pair (on the nodes' allow-lists) and each node's public key by client address.
 * A node whose key is not listed (e.g. a redirect to an unknown address) is never spoken to.
 */
export interface ClientSecurity {
  readonly keyPair: CurveKeyPair;
  readonly serverKeys: ReadonlyMap<string, string>;
}

export interface ResolvedOptions {
  readonly endpoints: readonly string[];
  readonly timeoutMs: number;
  readonly attemptTimeoutMs: number;
  readonly maxRedirects: number;
  readonly consistency: ReadConsistency;
  readonly onRedirect: (event: RedirectEvent) => void;
}
