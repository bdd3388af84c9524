// node:http plumbing for raftkvd's HTTP API: reads each body up to a cap, hands a parsed request to a
// handler and writes its JSON (or text) answer. Oversized or unreadable input gets a 400 with a JSON
// error and the server keeps serving. No routing and no Raft knowledge here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AssertionError } from '@raftkv/raft';
import type { Logger } from './logger.js';

/** Largest request body accepted: a 1 MiB value plus its key and JSON framing fit comfortably. */
export const httpBodyBytesMax = 2 * 1024 * 1024;

export interface HttpRequest {
  readonly method: string;
  /** The percent-encoded path, without the query string. */
  readonly path: string;
  /** Path and query as received, for forwarding and redirects. */
  readonly url: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** The peer's IP address, for the log ('' when the socket no longer knows it). */
  readonly remoteAddress: string;
}

export interface HttpResponse {
  readonly status: number;
  /** An object is sent as JSON; a string as text/plain. */
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as is with this content type (forwarded answers). */
  readonly contentType?: string;
  /** Streamed instead of `body`, chunk by chunk as the client reads (a backup); closed if the client goes. */
  readonly stream?: AsyncGenerator<Uint8Array>;
}

export type HttpHandler = (request: HttpRequest) => Promise<HttpResponse>;

export interface StartedHttpServer {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Stops accepting connections; idle keep-alive connections close now, busy ones after answering. */
  stopAccepting(): void;
  /** Closes every connection now and resolves once the server is closed. */
  close(): Promise<void>;
}

export function jsonError(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
): HttpResponse {
  return { status, body: { error: message, ...extra } };
}

export async function startHttpServer(
  host: string,
  port: number,
  handler: HttpHandler,
  logger: Logger,
): Promise<StartedHttpServer> {
  const server = createServer((request, response) => serve(request, response, handler, logger));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    server,
    host,
    port: bound.port,
    stopAccepting() {
      server.close();
      server.closeIdleConnections();
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function serve(
  request: IncomingMessage,
  response: ServerResponse,
  handler: HttpHandler,
  logger: Logger,
): void {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > httpBodyBytesMax) {
    refuseOversized(request, response);
    return;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  let refused = false;
  request.on('data', (chunk: Buffer) => {
    if (refused) return;
    received += chunk.byteLength;
    if (received > httpBodyBytesMax) {
      refused = true;
      refuseOversized(request, response);
      return;
    }
    chunks.push(chunk);
  });
  request.on('error', () => response.destroy());
  request.on('end', () => {
    if (refused) return;
    const url = parseRequestTarget(request.url ?? '/');
    if (url === null) {
      send(response, jsonError(400, 'the request target is not a valid path'));
      return;
    }
    const parsed: HttpRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      url: `${url.pathname}${url.search}`,
      query: url.searchParams,
      headers: request.headers,
      body: Buffer.concat(chunks),
      remoteAddress: request.socket.remoteAddress ?? '',
    };
    handler(parsed).then(
      (answer) => send(response, answer),
      (error: unknown) => {
        // A broken invariant is never swallowed: rethrow outside the promise so the process stops.
        if (error instanceof AssertionError)
          process.nextTick(() => {
            throw error;
          });
        logger.error({ err: error, path: parsed.path }, `http ${parsed.method} ${parsed.path} failed`);
        send(response, jsonError(500, 'internal error; see the node log'));
      },
    );
  });
}

/**
 * The URL of a request target (RFC 9112 §3.2): origin-form `/path?query` is read as a path even when
 * it starts with `//` (which `new URL(target, base)` would take for a host); absolute-form as sent.
 * Null when it does not parse — a bad target is the client's error, never an exception here.
 */
export function parseRequestTarget(target: string): URL | null {
  try {
    return target.startsWith('/') ? new URL(`http://raftkvd${target}`) : new URL(target);
  } catch {
    return null;
  }
}

function refuseOversized(request: IncomingMessage, response: ServerResponse): void {
  send(response, jsonError(400, `request body exceeds ${httpBodyBytesMax} bytes`), { connection: 'close' });
  request.resume();
}

function send(
  response: ServerResponse,
  answer: HttpResponse,
  extraHeaders: Record<string, string> = {},
): void {
  if (response.headersSent || response.destroyed) {
    void answer.stream?.return(undefined);
    return;
  }
  if (answer.stream !== undefined) {
    streamAnswer(response, answer, answer.stream);
    return;
  }
  const text =
    answer.contentType !== undefined
      ? String(answer.body)
      : typeof answer.body === 'string'
        ? answer.body
        : `${JSON.stringify(answer.body)}\n`;
  const contentType =
    answer.contentType ??
    (typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json');
  response.writeHead(answer.status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    ...answer.headers,
    ...extraHeaders,
  });
  response.end(text);
}

/**
 * Writes the chunks as the socket drains (one chunk in memory at a time, chunked encoding). A failure
 * while streaming cannot change the status line any more: the connection is cut, so the client sees
 * a short stream, never a complete-looking one.
 */
function streamAnswer(
  response: ServerResponse,
  answer: HttpResponse,
  chunks: AsyncGenerator<Uint8Array>,
): void {
  response.writeHead(answer.status, {
    'content-type': answer.contentType ?? 'application/octet-stream',
    ...answer.headers,
  });
  let finished = false;
  response.on('close', () => {
    // The client went away (or the answer ended): release the stream's read transaction.
    if (!finished) void chunks.return(undefined);
    finished = true;
  });
  const pump = async (): Promise<void> => {
    for (;;) {
      const next = await chunks.next();
      if (finished) return;
      if (next.done === true) {
        finished = true;
        response.end();
        return;
      }
      if (!response.write(next.value))
        await new Promise((drained) => {
          response.once('drain', drained);
          response.once('close', drained);
        });
    }
  };
  pump().catch((error: unknown) => {
    finished = true;
    void chunks.return(undefined);
    response.destroy(error instanceof Error ? error : new Error(String(error)));
  });
}
