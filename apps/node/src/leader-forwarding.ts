// What a non-leader does with an HTTP request only the leader can serve: forward it to the leader's
// HTTP address (one hop, marked so it is never forwarded again), or with ?redirect answer 307 with
// an X-Raft-Leader header. A forwarded write that gets no answer is reported as outcome unknown.
import type { NodeId } from '@raftkv/raft';
import { type HttpRequest, type HttpResponse, jsonError } from './http-server.js';

/** Marks a request a member already forwarded; a second non-leader answers instead of forwarding. */
export const forwardedByHeader = 'x-raftkv-forwarded-by';
export const leaderHeader = 'x-raft-leader';

export interface LeaderForwardingOptions {
  readonly selfId: NodeId;
  readonly requestTimeoutMs: number;
  /** The leader's advertised HTTP address (http://host:port), if known. */
  readonly httpAddressOf: (id: NodeId) => string | null;
}

export class LeaderForwarding {
  constructor(private readonly options: LeaderForwardingOptions) {}

  /** Sends the request on to `leaderId`, or tells the client where to go. */
  async forwardOrRedirect(
    request: HttpRequest,
    leaderId: NodeId | null,
    isWrite: boolean,
  ): Promise<HttpResponse> {
    const leaderHttp = leaderId === null ? null : this.options.httpAddressOf(leaderId);
    if (leaderId === null || leaderHttp === null) {
      const message =
        leaderId === null
          ? 'no leader is known right now; retry shortly'
          : `the leader is ${leaderId} but its HTTP address is unknown`;
      return { ...jsonError(503, message, { leader: leaderId }), headers: { 'retry-after': '1' } };
    }
    const location = `${leaderHttp}${request.url}`;
    if (request.query.has('redirect')) {
      return {
        status: 307,
        body: { error: `not the leader; the leader is ${leaderId}`, leader: leaderId, location },
        headers: { location, [leaderHeader]: leaderId },
      };
    }
    if (request.headers[forwardedByHeader] !== undefined) {
      const message = `forwarded here by ${String(request.headers[forwardedByHeader])}, but the leader is ${leaderId}`;
      return {
        ...jsonError(503, message, { leader: leaderId }),
        headers: { 'retry-after': '1', [leaderHeader]: leaderId },
      };
    }
    return this.forward(request, location, leaderId, isWrite);
  }

  private async forward(
    request: HttpRequest,
    url: string,
    leaderId: NodeId,
    isWrite: boolean,
  ): Promise<HttpResponse> {
    try {
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
      // The client's own credential goes on: the leader checks it against its own tokens.
      const { authorization } = request.headers;
      const answer = await fetch(url, {
        method: request.method,
        headers: {
          'content-type': 'application/json',
          [forwardedByHeader]: this.options.selfId,
          ...(authorization === undefined ? {} : { authorization }),
        },
        ...(hasBody ? { body: request.body } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      const headers: Record<string, string> = { [leaderHeader]: leaderId };
      for (const name of ['x-raftkv-index', 'x-raftkv-revision', 'retry-after', 'www-authenticate']) {
        const value = answer.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      return {
        status: answer.status,
        body: await answer.text(),
        contentType: answer.headers.get('content-type') ?? 'application/json',
        headers,
      };
    } catch (error) {
      const reason = (error as Error).message;
      if (isWrite) {
        return jsonError(
          504,
          `no answer from the leader ${leaderId} (${reason}); the write may or may not apply`,
          {
            code: 'outcome-unknown',
          },
        );
      }
      return jsonError(502, `could not reach the leader ${leaderId}: ${reason}`, { code: 'timeout' });
    }
  }
}
