// Test helpers: start raftkvd nodes in this process on OS-assigned ports, wait for conditions with
// generous deadlines (never for a fixed time), and stop every node afterwards.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config.js';
import { formatInitialCluster, type InitialMember } from '../../src/initial-cluster.js';
import { createLogger } from '../../src/logger.js';
import { RaftProcess } from '../../src/raft-process.js';

export const fastTiming = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500'];
/** Bind every endpoint on an OS-assigned port. */
export const anyPorts = [
  '--peer-addr',
  'tcp://127.0.0.1:0',
  '--client-addr',
  'tcp://127.0.0.1:0',
  '--http-addr',
  '127.0.0.1:0',
];

export class TestNodes {
  readonly running = new Set<RaftProcess>();
  readonly fatalErrors: unknown[] = [];
  private readonly directories: string[] = [];

  directory(): string {
    const directory = mkdtempSync(join(tmpdir(), 'raftkvd-test-'));
    this.directories.push(directory);
    return directory;
  }

  /** Starts a node with `argv` plus fast timing; OS-assigned ports unless argv names addresses. */
  /** `logFile`: write the node's log there (at info) instead of nowhere. */
  async start(argv: string[], options: { anyPorts?: boolean; logFile?: string } = {}): Promise<RaftProcess> {
    const extra = options.anyPorts === false ? [] : anyPorts;
    const parsed = parseConfig({
      argv: [...fastTiming, ...extra, ...argv],
      env: {},
      readFile: (path) => readFileSync(path, 'utf8'),
    });
    if (parsed.kind !== 'run') throw new Error(parsed.stderr);
    const logger =
      options.logFile === undefined ? createLogger('silent') : createLogger('info', options.logFile);
    const node = await RaftProcess.start(parsed.config, logger, (error) => this.fatalErrors.push(error));
    this.running.add(node);
    return node;
  }

  /**
   * Bootstraps n1…n`size` with --initial-cluster on free ports and waits for an agreed leader.
   * `perMember` gives each member's extra flags and its public key for the configuration.
   */
  async startCluster(
    size: number,
    perMember: (id: string) => {
      readonly argv?: readonly string[];
      readonly key?: string;
      readonly logFile?: string;
    } = () => ({}),
  ): Promise<RaftProcess[]> {
    const ports = await freePorts(3 * size);
    const ids = Array.from({ length: size }, (_, position) => `n${position + 1}`);
    const extras = new Map(ids.map((id) => [id, perMember(id)]));
    const initial: InitialMember[] = ids.map((id, position) => {
      const key = extras.get(id)!.key;
      return {
        id,
        peer: `tcp://127.0.0.1:${ports[position * 3]}`,
        client: `tcp://127.0.0.1:${ports[position * 3 + 1]}`,
        http: `http://127.0.0.1:${ports[position * 3 + 2]}`,
        ...(key === undefined ? {} : { key }),
      };
    });
    const cluster = formatInitialCluster(initial);
    const members = await Promise.all(
      ids.map((id) => {
        const extra = extras.get(id)!;
        return this.start(
          ['--id', id, '--data-dir', this.directory(), '--initial-cluster', cluster, ...(extra.argv ?? [])],
          { anyPorts: false, ...(extra.logFile === undefined ? {} : { logFile: extra.logFile }) },
        );
      }),
    );
    await waitForLeader(members);
    return members;
  }

  async stop(node: RaftProcess): Promise<void> {
    this.running.delete(node);
    await node.stop('test');
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((node) => this.stop(node)));
    for (const directory of this.directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  }
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function waitForLeader(nodes: readonly RaftProcess[]): Promise<RaftProcess> {
  return waitFor('a leader', () => {
    const leader = nodes.find((node) => node.status().role === 'leader');
    if (leader === undefined) return undefined;
    const agreed = nodes.every((node) => node.status().leaderId === leader.id);
    return agreed ? leader : undefined;
  });
}

/** Free ports, asked of the OS (bound to port 0, read back, released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import('node:net').Server>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export function httpBase(node: RaftProcess): string {
  return node.advertised.http;
}
