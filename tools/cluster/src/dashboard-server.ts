// The dashboard's web server (plain node:http): the static page, uPlot from node_modules, the live
// picture as Server-Sent Events, and the actions behind the page's buttons and the CLI's fault
// commands. Listens on 127.0.0.1 only and asks for its own token (dashboard.token, never the
// cluster's HTTP token): in the URL `npm start` prints (then a SameSite=Strict cookie) or as a
// bearer header. A bad request gets a clear 4xx; nothing a client sends can stop the launcher.
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CommandError } from './node-actions.js';
import { workspaceRoot } from './node-processes.js';

/** Runs one action (see dashboard-actions.ts) and answers the line to show. */
export type ActionHandler = (action: unknown) => Promise<string>;

const pageDirectory = join(workspaceRoot, 'tools', 'cluster', 'dashboard');
const uplotDirectory = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
const cookieName = 'raftkv_dashboard';
const bodyLimitBytes = 16 * 1024;

const assets: Readonly<Record<string, readonly [file: string, type: string]>> = {
  '/': [join(pageDirectory, 'index.html'), 'text/html; charset=utf-8'],
  '/dashboard.js': [join(pageDirectory, 'dashboard.js'), 'text/javascript; charset=utf-8'],
  '/dashboard.css': [join(pageDirectory, 'dashboard.css'), 'text/css; charset=utf-8'],
  '/uplot.js': [join(uplotDirectory, 'uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  '/uplot.css': [join(uplotDirectory, 'uPlot.min.css'), 'text/css; charset=utf-8'],
};

export class DashboardServer {
  private readonly streams = new Set<ServerResponse>();
  private last = '';

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly token: string,
  ) {}

  /** Listens on 127.0.0.1 at an OS-assigned port. */
  static async open(token: string, snapshot: () => unknown, act: ActionHandler): Promise<DashboardServer> {
    let dashboard: DashboardServer | null = null;
    const server = createServer((request, response) => {
      dashboard?.handle(request, response, snapshot, act).catch((error: unknown) => {
        if (!response.headersSent) answer(response, 500, { error: String(error) });
        else response.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the OS assigned no port');
    dashboard = new DashboardServer(server, `http://127.0.0.1:${address.port}/`, token);
    return dashboard;
  }

  /** The URL to open in a browser: it carries the token once, then the cookie does. */
  get openUrl(): string {
    return `${this.url}?token=${encodeURIComponent(this.token)}`;
  }

  /** Sends the picture to every open page. */
  push(snapshot: unknown): void {
    this.last = `data: ${JSON.stringify(snapshot)}\n\n`;
    for (const stream of this.streams) stream.write(this.last);
  }

  get streamCount(): number {
    return this.streams.size;
  }

  async close(): Promise<void> {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(
    request: IncomingMessage,
    response: ServerResponse,
    snapshot: () => unknown,
    act: ActionHandler,
  ): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const path = url.pathname;
    if (request.method === 'GET' && path === '/' && url.searchParams.has('token')) {
      if (!this.matches(url.searchParams.get('token') ?? '')) {
        answer(response, 401, { error: 'wrong dashboard token; open the URL npm start printed' });
        return;
      }
      response.writeHead(303, {
        location: '/',
        'set-cookie': `${cookieName}=${encodeURIComponent(this.token)}; HttpOnly; SameSite=Strict; Path=/`,
      });
      response.end();
      return;
    }
    if (request.method === 'GET' && path in assets) {
      if (path === '/' && !this.authorized(request)) {
        response.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('Open the dashboard with the URL npm start printed (it carries the dashboard token).\n');
        return;
      }
      const [file, type] = assets[path]!;
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(readFileSync(file));
      return;
    }
    if (!path.startsWith('/api/')) {
      answer(response, 404, { error: `no ${path} here` });
      return;
    }
    if (!this.authorized(request)) {
      answer(response, 401, { error: 'the dashboard token is missing or wrong' });
      return;
    }
    if (request.method === 'GET' && path === '/api/events') {
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      response.write(`data: ${JSON.stringify(snapshot())}\n\n`);
      this.streams.add(response);
      request.on('close', () => this.streams.delete(response));
      return;
    }
    if (request.method === 'GET' && path === '/api/snapshot') {
      answer(response, 200, snapshot());
      return;
    }
    if (request.method === 'POST' && path === '/api/action') {
      const body = await readBody(request);
      if (body === null) {
        answer(response, 413, { error: `the body is over ${bodyLimitBytes} bytes` });
        return;
      }
      let action: unknown;
      try {
        action = JSON.parse(body);
      } catch {
        answer(response, 400, { error: 'the body is not JSON' });
        return;
      }
      try {
        answer(response, 200, { message: await act(action) });
      } catch (error) {
        if (error instanceof CommandError) answer(response, 400, { error: error.message });
        else throw error;
      }
      return;
    }
    answer(response, 404, { error: `no ${request.method} ${path} here` });
  }

  private authorized(request: IncomingMessage): boolean {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) return this.matches(header.slice('Bearer '.length).trim());
    for (const part of (request.headers.cookie ?? '').split(';')) {
      const [name, value = ''] = part.trim().split('=');
      if (name === cookieName) {
        try {
          return this.matches(decodeURIComponent(value));
        } catch {
          return false;
        }
      }
    }
    return false;
  }

  private matches(candidate: string): boolean {
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/** The request body as text, or null when it is over the limit. */
async function readBody(request: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > bodyLimitBytes) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
