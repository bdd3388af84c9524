// A 3-member etcd cluster on loopback for the side-by-side comparison: temp data directories, free
// ports, stopped by PID at the end. Finds `etcd` on PATH; says how to install it when absent.
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePorts } from '@raftkv/testkit';
import { pollUntil, spawnLogged, stopChild } from './child-processes.js';
import type { ServerCluster } from './server-cluster.js';

const healthTimeoutMs = 30_000;

export class EtcdMissingError extends Error {
  override readonly name = 'EtcdMissingError';
  constructor() {
    super('etcd is not on PATH; install it with: sudo apt-get install etcd-server (Debian/Ubuntu)');
  }
}

export function findEtcd(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'etcd');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

export async function startEtcdCluster(members: number): Promise<ServerCluster> {
  const etcd = findEtcd();
  if (etcd === null) throw new EtcdMissingError();
  const root = mkdtempSync(join(tmpdir(), 'etcd-bench-'));
  const ports = await freePorts(members * 2);
  const ids = Array.from({ length: members }, (_, index) => `e${index + 1}`);
  const peerUrl = (index: number): string => `http://127.0.0.1:${ports[index * 2]}`;
  const clientUrl = (index: number): string => `http://127.0.0.1:${ports[index * 2 + 1]}`;
  const initialCluster = ids.map((id, index) => `${id}=${peerUrl(index)}`).join(',');
  const logFiles = ids.map((id) => join(root, `${id}.log`));
  const children: ChildProcess[] = ids.map((id, index) =>
    spawnLogged(
      etcd,
      [
        ...['--name', id, '--data-dir', join(root, id), '--log-level', 'warn', '--logger', 'zap'],
        ...['--listen-peer-urls', peerUrl(index), '--initial-advertise-peer-urls', peerUrl(index)],
        ...['--listen-client-urls', clientUrl(index), '--advertise-client-urls', clientUrl(index)],
        ...['--initial-cluster', initialCluster, '--initial-cluster-state', 'new'],
        ...['--initial-cluster-token', `bench-${process.pid}`],
      ],
      logFiles[index]!,
      root,
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(stopChild));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const healthy = async (): Promise<boolean> => {
      const answers = await Promise.all(
        ids.map(async (_, index) => {
          const response = await fetch(`${clientUrl(index)}/health`, { signal: AbortSignal.timeout(1000) });
          return ((await response.json()) as { health?: string }).health === 'true';
        }),
      );
      return answers.every(Boolean);
    };
    await pollUntil(healthy, healthTimeoutMs, 'a healthy etcd cluster', logFiles);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    system: 'etcd',
    endpoints: ids.map((_, index) => clientUrl(index)),
    members: ids.map((id, index) => ({ id, pid: children[index]!.pid! })),
    stop,
  };
}
