// `npm run bench:floor`: the cost floor of one replicated write at 1 in flight on this machine — a
// client, a leader and two followers (four Node processes) pass raftkv-sized ZeroMQ messages and
// fdatasync a file as a write does, with no Raft, KV store or codec. Prints latency percentiles with
// and without the syncs, so the gap between this floor and `npm run bench` is the implementation's.
import { type ChildProcess, fork } from 'node:child_process';
import { fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '@raftkv/testkit';
import { Command } from 'commander';
import { Dealer, Router } from 'zeromq';
import { Histogram } from './histogram.js';

/** A put request of the bench's shape: 16-byte key, 256-byte value, framing. */
const requestBytes = 300;
const acknowledgementBytes = 20;
/** A server that does not answer within this long is down: the run fails instead of waiting. */
const answerTimeoutMs = 5000;

type Role = 'leader' | 'follower';

interface RoleArguments {
  readonly role: Role;
  readonly port: number;
  readonly followerPorts: readonly number[];
  readonly file: string;
  readonly sync: boolean;
}

/** In the variant with syncs, appends `bytes` at `position` and makes it durable as a Raft persist must. */
function persist(descriptor: number, bytes: Uint8Array, position: number, sync: boolean): void {
  if (!sync) return;
  writeSync(descriptor, bytes, 0, bytes.byteLength, position);
  fdatasyncSync(descriptor);
}

/** A follower: append and sync each request, then acknowledge it. */
async function runFollower(options: RoleArguments): Promise<void> {
  const socket = new Router();
  await socket.bind(`tcp://127.0.0.1:${options.port}`);
  const descriptor = openSync(options.file, 'w');
  let position = 0;
  for await (const [identity, request] of socket) {
    persist(descriptor, request!, position, options.sync);
    position += request!.byteLength;
    await socket.send([identity!, request!.subarray(0, acknowledgementBytes)]);
  }
}

/**
 * The leader: forwards each request to both followers before its own append and sync (thesis
 * §10.2.1), and answers the client at the first acknowledgement, which with itself is a majority.
 */
async function runLeader(options: RoleArguments): Promise<void> {
  const front = new Router();
  await front.bind(`tcp://127.0.0.1:${options.port}`);
  const followers = options.followerPorts.map((port) => {
    const socket = new Dealer();
    socket.connect(`tcp://127.0.0.1:${port}`);
    return socket;
  });
  const descriptor = openSync(options.file, 'w');
  let position = 0;
  let waiting: Buffer | null = null;
  for (const follower of followers) {
    void (async () => {
      for await (const [acknowledgement] of follower) {
        if (waiting === null) continue;
        const identity = waiting;
        waiting = null;
        await front.send([identity, acknowledgement!]);
      }
    })();
  }
  for await (const [identity, request] of front) {
    for (const follower of followers) await follower.send(request!);
    persist(descriptor, request!, position, options.sync);
    position += request!.byteLength;
    waiting = identity!;
  }
}

interface FloorResult {
  readonly sync: boolean;
  readonly writesPerSecond: number;
  readonly histogram: Histogram;
}

/** One measurement: starts the three server processes, drives them from here, stops them by PID. */
async function measure(sync: boolean, durationSeconds: number, directory: string): Promise<FloorResult> {
  const [leaderPort, ...followerPorts] = await freePorts(3);
  const script = fileURLToPath(import.meta.url);
  const start = (options: RoleArguments): ChildProcess =>
    fork(script, ['--role-json', JSON.stringify(options)], { execArgv: process.execArgv, stdio: 'inherit' });
  const children = [
    ...followerPorts.map((port, number) =>
      start({ role: 'follower', port: port!, followerPorts: [], file: join(directory, `f${number}`), sync }),
    ),
    start({ role: 'leader', port: leaderPort!, followerPorts, file: join(directory, 'leader'), sync }),
  ];
  const client = new Dealer({ receiveTimeout: answerTimeoutMs });
  try {
    client.connect(`tcp://127.0.0.1:${leaderPort}`);
    const request = Buffer.alloc(requestBytes, 1);
    const histogram = new Histogram();
    // The first round trips wait for the connections and the JIT; only later ones are measured.
    const warmUpEnd = performance.now() + 1000;
    while (performance.now() < warmUpEnd) {
      await client.send(request);
      await client.receive();
    }
    const end = performance.now() + durationSeconds * 1000;
    let writes = 0;
    for (let now = performance.now(); now < end; writes += 1) {
      const started = now;
      await client.send(request);
      await client.receive();
      now = performance.now();
      histogram.record((now - started) * 1000);
    }
    return { sync, writesPerSecond: writes / durationSeconds, histogram };
  } finally {
    client.close();
    for (const child of children)
      if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const program = new Command('bench:floor')
    .description(
      'Latency floor of a replicated write at 1 in flight: 4 processes, ZeroMQ, fdatasync; no Raft.',
    )
    .option('--duration <s>', 'measured seconds per variant', '5')
    .option('--role-json <json>', 'internal: run one server role')
    .parse();
  const options = program.opts<{ duration: string; roleJson?: string }>();
  if (options.roleJson !== undefined) {
    const role = JSON.parse(options.roleJson) as RoleArguments;
    // A server ends with the process that forked it, even one that was killed.
    process.on('disconnect', () => process.exit(0));
    await (role.role === 'leader' ? runLeader(role) : runFollower(role));
    return;
  }
  const duration = Number(options.duration);
  if (!Number.isFinite(duration) || duration <= 0)
    program.error('--duration must be a positive number of seconds');
  const directory = mkdtempSync(join(tmpdir(), 'raftkv-floor-'));
  try {
    process.stdout.write('variant          writes/s  p50 ms  p90 ms  p99 ms  p99.9 ms\n');
    for (const sync of [false, true]) {
      const { writesPerSecond, histogram } = await measure(sync, duration, directory);
      const { p50, p90, p99, p999 } = histogram.percentiles();
      const ms = (micros: number): string => (micros / 1000).toFixed(2);
      const name = sync ? 'with fdatasync' : 'messages only';
      process.stdout.write(
        `${name.padEnd(16)} ${writesPerSecond.toFixed(0).padStart(8)}  ${ms(p50).padStart(6)}  ${ms(p90).padStart(6)}  ${ms(p99).padStart(6)}  ${ms(p999).padStart(8)}\n`,
      );
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  // A receive that timed out means a server process is down (its error, if any, is printed above).
  const reason =
    (error as { code?: string }).code === 'EAGAIN' ? `no answer within ${answerTimeoutMs} ms` : String(error);
  process.stderr.write(`bench:floor: ${reason}\n`);
  process.exitCode = 1;
}
