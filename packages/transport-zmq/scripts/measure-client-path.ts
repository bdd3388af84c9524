// Measures the client path alone: a ClientEndpoint in a child process answering like raftkvd (one
// promise per request, settled together in one later turn) and a ClientSocket here keeping N requests
// in flight. Prints requests/s and CPU per request of both processes. A manual measurement, never a test.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ClientRequestBody, ClientResponseBody } from '@raftkv/protocol';
import { ClientEndpoint, ClientSocket } from '../src/index.js';

const keyBytes = 16;
const valueBytes = 256;

interface Settings {
  readonly inFlight: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly operation: 'put' | 'get';
  /** When set, the server child writes a --cpu-prof profile here (profile this process with node's own flag). */
  readonly serverProfileDirectory: string | null;
}

function readSettings(argv: readonly string[]): Settings {
  const value = (name: string, fallback: string): string => {
    const position = argv.indexOf(`--${name}`);
    return position >= 0 ? (argv[position + 1] ?? fallback) : fallback;
  };
  const operation = value('op', 'put');
  if (operation !== 'put' && operation !== 'get')
    throw new Error(`--op must be put or get, not ${operation}`);
  return {
    inFlight: Number(value('in-flight', '256')),
    seconds: Number(value('seconds', '5')),
    warmupSeconds: Number(value('warmup', '1')),
    operation,
    serverProfileDirectory: value('server-profile-dir', '') || null,
  };
}

/** The child: answers every request like raftkvd's handler does, in batches of one actor-like turn. */
async function serve(): Promise<void> {
  const value = new Uint8Array(valueBytes).fill(7);
  let settleTurn: Array<() => void> = [];
  let revision = 1;
  const runTurn = (): void => {
    const settles = settleTurn;
    settleTurn = [];
    for (const settle of settles) settle();
  };
  const endpoint = await ClientEndpoint.bind({
    bindAddress: 'tcp://127.0.0.1:*',
    onRequest: (request, reply) => {
      if (settleTurn.length === 0) setImmediate(runTurn);
      const answer = new Promise<ClientResponseBody>((resolve) => {
        settleTurn.push(() => {
          revision += 1;
          resolve(responseFor(request, revision, value));
        });
      });
      void answer.then(reply);
    },
  });
  process.once('SIGTERM', () => process.exit(0)); // exit normally, so --cpu-prof writes its profile
  console.log(endpoint.address);
}

function responseFor(request: ClientRequestBody, revision: number, value: Uint8Array): ClientResponseBody {
  if (request.kind === 'command') {
    const result = { type: 'put' as const, previous: null };
    return { ok: true, result: { kind: 'command', index: revision, result: { ok: true, revision, result } } };
  }
  if (request.kind !== 'read' || request.query.type !== 'get') throw new Error('unexpected request');
  const keyValue = { key: request.query.key, value, createRevision: 1, modRevision: revision, version: 3 };
  return {
    ok: true,
    result: {
      kind: 'read',
      index: revision,
      result: { ok: true, revision, result: { type: 'get', keyValue } },
    },
  };
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function drive(settings: Settings): Promise<void> {
  const profile =
    settings.serverProfileDirectory === null
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${settings.serverProfileDirectory}`];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', '--conditions=@raftkv/source', fileURLToPath(import.meta.url), '--serve'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const address = await firstLine(child.stdout);
  const socket = new ClientSocket(address);
  const clientId = randomUUID();
  const value = new Uint8Array(valueBytes).fill(1);
  let sequence = 0;
  let completed = 0;
  let failed = 0;
  let running = true;
  const body = (): ClientRequestBody => {
    const key = new TextEncoder().encode(`key-${String(sequence % 10_000).padStart(keyBytes - 4, '0')}`);
    if (settings.operation === 'get') {
      return { kind: 'read', query: { type: 'get', key }, consistency: 'linearizable' };
    }
    sequence += 1;
    const session = {
      clientId,
      sequence,
      firstUnacknowledgedSequence: Math.max(1, sequence - settings.inFlight),
    };
    return { kind: 'command', command: { operation: { type: 'put', key, value }, session } };
  };
  const loop = async (): Promise<void> => {
    while (running) {
      const exchange = await socket.request(body(), { timeoutMs: 10_000 });
      if (exchange.ok && exchange.response.ok) completed += 1;
      else failed += 1;
    }
  };
  const loops = Array.from({ length: settings.inFlight }, loop);
  await delay(settings.warmupSeconds * 1000);
  const start = {
    completed,
    time: performance.now(),
    self: process.cpuUsage(),
    child: cpuSecondsOf(child.pid!),
  };
  await delay(settings.seconds * 1000);
  const requests = completed - start.completed;
  const seconds = (performance.now() - start.time) / 1000;
  const selfUsage = process.cpuUsage(start.self);
  const clientCpu = (selfUsage.user + selfUsage.system) / 1e6;
  const serverCpu = cpuSecondsOf(child.pid!) - start.child;
  running = false;
  await Promise.all(loops);
  socket.close();
  child.kill();
  const perRequestUs = (cpu: number): string => ((cpu / requests) * 1e6).toFixed(1);
  console.log(
    `${settings.operation} @${settings.inFlight}: ${Math.round(requests / seconds)} requests/s; ` +
      `client ${clientCpu.toFixed(2)} s CPU = ${perRequestUs(clientCpu)} µs/request; ` +
      `server ${serverCpu.toFixed(2)} s CPU = ${perRequestUs(serverCpu)} µs/request; ` +
      `failed ${failed}`,
  );
}

function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input: stream });
  return new Promise((resolve) => lines.once('line', resolve));
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

if (process.argv.includes('--serve')) await serve();
else await drive(readSettings(process.argv.slice(2)));
