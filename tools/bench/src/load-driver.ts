// One client connection to the system under test with the three operations the bench issues, so
// raftkv (KvClient over ZeroMQ) and etcd (the npm etcd3 client over gRPC) run the same workload.
import { KvClient } from '@raftkv/client';
import { Etcd3 } from 'etcd3';
import type { Consistency } from './options.js';
import type { WireSecurity } from './server-cluster.js';

export interface LoadDriver {
  put(key: Buffer, value: Buffer): Promise<unknown>;
  get(key: Buffer, consistency: Consistency): Promise<unknown>;
  close(): void;
}

export function openDriver(
  system: 'raftkv' | 'etcd',
  endpoints: readonly string[],
  security?: WireSecurity,
): LoadDriver {
  return system === 'raftkv' ? raftkvDriver(endpoints, security) : etcdDriver(endpoints);
}

function raftkvDriver(endpoints: readonly string[], security?: WireSecurity): LoadDriver {
  const client = new KvClient({
    endpoints,
    ...(security === undefined
      ? {}
      : { security: { keyPair: security.keyPair, serverKeys: new Map(security.serverKeys) } }),
  });
  const serializable = { consistency: 'serializable' } as const;
  return {
    put: (key, value) => client.put(key, value),
    get: (key, consistency) =>
      consistency === 'serializable' ? client.get(key, serializable) : client.get(key),
    close: () => client.close(),
  };
}

function etcdDriver(endpoints: readonly string[]): LoadDriver {
  const client = new Etcd3({ hosts: [...endpoints] });
  return {
    put: (key, value) => client.put(key).value(value).exec(),
    get: (key, consistency) =>
      client
        .get(key)
        .serializable(consistency === 'serializable')
        .buffer(),
    close: () => client.close(),
  };
}
