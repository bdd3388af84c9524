// Which client endpoints a run's load talks to (--read-at): all of them, or the leader's or one
// follower's alone, found by asking each member for its status just before the run.
import { KvClient } from '@raftkv/client';
import type { ReadAt } from './options.js';
import type { ServerCluster } from './server-cluster.js';

export interface LoadTargets {
  readonly endpoints: readonly string[];
  /** One client per endpoint with the lanes spread over them, else one client over all. */
  readonly spread: boolean;
}

export async function loadTargets(cluster: ServerCluster, readAt: ReadAt): Promise<LoadTargets> {
  if (readAt === 'client') return { endpoints: cluster.endpoints, spread: false };
  if (readAt === 'all') return { endpoints: cluster.endpoints, spread: true };
  const { security } = cluster;
  const client = new KvClient({
    endpoints: cluster.endpoints,
    timeoutMs: 5000,
    ...(security === undefined
      ? {}
      : { security: { keyPair: security.keyPair, serverKeys: new Map(security.serverKeys) } }),
  });
  try {
    for (const endpoint of cluster.endpoints) {
      const status = await client.status({ endpoint }).catch(() => null);
      if (status?.role === readAt) return { endpoints: [endpoint], spread: false };
    }
  } finally {
    client.close();
  }
  throw new Error(`--read-at ${readAt}: no member of ${cluster.endpoints.join(', ')} is a ${readAt} now`);
}
