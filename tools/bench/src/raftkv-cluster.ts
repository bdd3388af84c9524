// The raftkv cluster under test: either one this bench starts (real raftkvd processes from dist on
// OS-assigned loopback ports, in a temp directory removed at the end), or the running local cluster
// described by <dir>/cluster.json (tools/cluster), which is left running.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateCurveKeyPair } from '@raftkv/client';
import { freePorts } from '@raftkv/testkit';
import { pollUntil, spawnLogged, stopChild } from './child-processes.js';
import type { ServerCluster, WireSecurity } from './server-cluster.js';

export const workspaceRoot = resolve(import.meta.dirname, '../../..');
const raftkvdBin = join(workspaceRoot, 'apps/node/bin/raftkvd.js');
const raftkvdDist = join(workspaceRoot, 'apps/node/dist/main.js');
const leaderTimeoutMs = 30_000;

export async function startRaftkvCluster(
  nodes: number,
  nodeArgs: readonly string[],
  raftkvdArgs: readonly string[],
  /** CURVE on every socket: a key pair per node and one for the load clients, written to the temp dir. */
  secure = false,
): Promise<ServerCluster> {
  if (!existsSync(raftkvdDist)) throw new Error('raftkvd is not built; run npm run build first');
  const root = mkdtempSync(join(tmpdir(), 'raftkv-bench-'));
  const ports = await freePorts(nodes * 3);
  const ids = Array.from({ length: nodes }, (_, index) => `n${index + 1}`);
  const address = (index: number, kind: number): string => {
    const scheme = kind === 2 ? 'http' : 'tcp';
    return `${scheme}://127.0.0.1:${ports[index * 3 + kind]}`;
  };
  const nodeKeys = ids.map(() => generateCurveKeyPair());
  const clientKeys = generateCurveKeyPair();
  const keyArgs = (index: number): string[] => {
    if (!secure) return ['--insecure'];
    const keyFile = join(root, `${ids[index]}.key.json`);
    writeFileSync(keyFile, JSON.stringify(nodeKeys[index]), { mode: 0o600 });
    return ['--key-file', keyFile, '--client-keys-file', join(root, 'clients.keys')];
  };
  if (secure) writeFileSync(join(root, 'clients.keys'), `${clientKeys.publicKey}\n`);
  const initialCluster = ids
    .map((id, index) => {
      const key = secure ? `,${nodeKeys[index]!.publicKey}` : '';
      return `${id}=${address(index, 0)},${address(index, 1)},${address(index, 2)}${key}`;
    })
    .join(';');
  const logFiles = ids.map((id) => join(root, `${id}.log`));
  const children: ChildProcess[] = ids.map((id, index) =>
    spawnLogged(
      process.execPath,
      [
        ...nodeArgs,
        raftkvdBin,
        ...['--id', id, '--data-dir', join(root, id), '--log-level', 'warn'],
        ...['--peer-addr', address(index, 0), '--client-addr', address(index, 1)],
        ...['--http-addr', address(index, 2), '--initial-cluster', initialCluster],
        ...keyArgs(index),
        ...raftkvdArgs,
      ],
      logFiles[index]!,
      workspaceRoot,
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(stopChild));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const httpUrls = ids.map((_, index) => address(index, 2));
    await pollUntil(() => anyLeader(httpUrls), leaderTimeoutMs, 'a raftkv leader', logFiles);
  } catch (error) {
    await stop();
    throw error;
  }
  const security: WireSecurity = {
    keyPair: clientKeys,
    serverKeys: ids.map((_, index) => [address(index, 1), nodeKeys[index]!.publicKey] as const),
  };
  return {
    system: 'raftkv',
    endpoints: ids.map((_, index) => address(index, 1)),
    members: ids.map((id, index) => ({ id, pid: children[index]!.pid! })),
    ...(secure ? { security } : {}),
    stop,
  };
}

async function anyLeader(httpUrls: readonly string[]): Promise<boolean> {
  const roles = await Promise.all(
    httpUrls.map(async (url) => {
      const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(1000) });
      return ((await response.json()) as { role?: string }).role;
    }),
  );
  return roles.includes('leader');
}

interface StateFileNode {
  readonly id: string;
  readonly pid: number | null;
  readonly client: string;
}

/** The running cluster from `<dir>/cluster.json`; every member must be running. */
export function existingRaftkvCluster(dir: string): ServerCluster {
  const path = join(resolve(dir), 'cluster.json');
  let nodes: StateFileNode[];
  try {
    nodes = (JSON.parse(readFileSync(path, 'utf8')) as { nodes: StateFileNode[] }).nodes;
  } catch (error) {
    throw new Error(`cannot read ${path} (start a cluster with npm start): ${(error as Error).message}`);
  }
  const stopped = nodes.filter((node) => node.pid === null).map((node) => node.id);
  if (stopped.length > 0) throw new Error(`members ${stopped.join(', ')} of ${path} are not running`);
  return {
    system: 'raftkv',
    endpoints: nodes.map((node) => node.client),
    members: nodes.map((node) => ({ id: node.id, pid: node.pid! })),
    stop: async () => {},
  };
}
