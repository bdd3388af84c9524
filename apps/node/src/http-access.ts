// Who may call raftkvd's HTTP API: bearer tokens (RFC 6750) from --http-tokens-file for the API, the
// cluster's join credential (--join-token-file) for POST /join, and neither for /health and /metrics
// (probes and scrapers, as etcd serves them). Tokens are compared in constant time. No I/O.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponse } from './http-server.js';
import { jsonError } from './http-server.js';

/** Paths served to anyone: a load balancer's health probe and a metrics scraper. */
const openPaths = new Set(['/health', '/metrics']);
const joinPath = '/join';

/** Why a request was turned away, for the node's log. */
export interface HttpRefusal {
  readonly path: string;
  readonly method: string;
  readonly remoteAddress: string;
  readonly reason: 'no-token' | 'unknown-token';
  /** The credential the route asks for. */
  readonly credential: 'API token' | 'join credential';
}

export interface HttpAccessOptions {
  /** API tokens; null: the API is open (--insecure, or no --http-tokens-file). */
  readonly apiTokens: readonly string[] | null;
  /** The join credential; null: POST /join takes an API token like every other route. */
  readonly joinToken: string | null;
}

export class HttpAccess {
  private apiDigests: readonly Buffer[] | null;
  private readonly joinDigest: Buffer | null;

  constructor(options: HttpAccessOptions) {
    this.apiDigests = options.apiTokens === null ? null : options.apiTokens.map(digest);
    this.joinDigest = options.joinToken === null ? null : digest(options.joinToken);
  }

  /** SIGHUP: the API tokens read again (the join credential is fixed for the process's life). */
  setApiTokens(tokens: readonly string[]): void {
    this.apiDigests = tokens.map(digest);
  }

  /** Null when `request` may go on; else the 401 to send and what to log. */
  check(request: HttpRequest): { readonly answer: HttpResponse; readonly refusal: HttpRefusal } | null {
    if (openPaths.has(request.path)) return null;
    const joinDigest = request.path === joinPath ? this.joinDigest : null;
    const accepted = joinDigest !== null ? [joinDigest] : this.apiDigests;
    if (accepted === null) return null;
    const credential = joinDigest !== null ? 'join credential' : 'API token';
    const presented = bearerToken(request.headers.authorization);
    const presentedDigest = presented === null ? null : digest(presented);
    const reason =
      presentedDigest === null
        ? 'no-token'
        : accepted.some((known) => timingSafeEqual(known, presentedDigest))
          ? null
          : 'unknown-token';
    if (reason === null) return null;
    const message =
      reason === 'no-token'
        ? `${request.method} ${request.path} needs the ${credential}: send "Authorization: Bearer <token>"`
        : `${request.method} ${request.path}: the bearer token is not a valid ${credential}`;
    return {
      answer: {
        ...jsonError(401, message, { code: 'unauthorized' }),
        // RFC 6750 §3.1: no error code when the request carried no credential at all.
        headers: {
          'www-authenticate':
            reason === 'no-token' ? 'Bearer realm="raftkv"' : 'Bearer realm="raftkv", error="invalid_token"',
        },
      },
      refusal: {
        path: request.path,
        method: request.method,
        remoteAddress: request.remoteAddress,
        reason,
        credential,
      },
    };
  }
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer +([^\s]+) *$/i.exec(header);
  return match?.[1] ?? null;
}

/** Digests of equal length, so the comparison takes the same time whatever the token. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
