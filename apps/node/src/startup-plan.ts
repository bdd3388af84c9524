// Decides how a node starts from its settings and the identity stored in its data directory: which
// addresses to bind, what to advertise, whether to bootstrap or join. A stored identity wins; a flag
// that contradicts it is refused. Pure: no files, no sockets; returns a message for bad combinations.
import { type HostPort, matchesRequested, parseHttpAddress, parseTcpAddress } from './addresses.js';
import type { NodeConfig } from './config.js';
import type { NodeIdentity } from './identity.js';
import type { InitialMember } from './initial-cluster.js';

export interface EndpointAddresses<T> {
  readonly peer: T;
  readonly client: T;
  readonly http: T;
}

export interface StartupPlan {
  readonly id: string;
  readonly firstStart: boolean;
  readonly bind: EndpointAddresses<HostPort>;
  /** Null entries mean "advertise what was bound". */
  readonly advertise: EndpointAddresses<HostPort | null>;
  /** How to create the cluster when the log is empty; null: wait for the log to arrive from a leader. */
  readonly bootstrap:
    | { readonly kind: 'single' }
    | { readonly kind: 'initial-cluster'; readonly members: readonly InitialMember[] }
    | null;
  readonly join: string | null;
}

export type StartupPlanResult =
  | { readonly ok: true; readonly plan: StartupPlan }
  | { readonly ok: false; readonly message: string };

export const defaultBindAddresses: EndpointAddresses<HostPort> = {
  peer: { host: '127.0.0.1', port: 7001 },
  client: { host: '127.0.0.1', port: 8001 },
  http: { host: '127.0.0.1', port: 9001 },
};

const endpointNames = ['peer', 'client', 'http'] as const;
const bindFlag = { peer: '--peer-addr', client: '--client-addr', http: '--http-addr' } as const;
const advertiseFlag = {
  peer: '--advertise-peer-addr',
  client: '--advertise-client-addr',
  http: '--advertise-http-addr',
} as const;

export function planStartup(config: NodeConfig, identity: NodeIdentity | null): StartupPlanResult {
  const bootstrap = bootstrapOf(config);
  return identity === null ? planFirstStart(config, bootstrap) : planRestart(config, identity, bootstrap);
}

function planRestart(
  config: NodeConfig,
  identity: NodeIdentity,
  bootstrap: StartupPlan['bootstrap'],
): StartupPlanResult {
  if (config.restore !== null) {
    return refuse(
      `--restore only seeds an empty data directory; ${config.dataDir} already belongs to ${identity.id}`,
    );
  }
  if (config.id !== null && config.id !== identity.id) {
    return refuse(`${config.dataDir} belongs to node ${identity.id}; refusing to start it as ${config.id}`);
  }
  const bind = storedAddresses(identity.bind);
  const advertise = storedAddresses(identity.advertise);
  for (const name of endpointNames) {
    const requested = requestedBind(config, name);
    if (requested !== null && !matchesRequested(requested, bind[name])) {
      return refuse(
        `${bindFlag[name]} ${formatted(name, requested)} differs from ${formatted(name, bind[name])}, which ` +
          `${identity.id} was first started with; addresses are fixed at first start`,
      );
    }
    const requestedAdvertise = requestedAdvertised(config, name);
    if (requestedAdvertise !== null && !matchesRequested(requestedAdvertise, advertise[name])) {
      return refuse(
        `${advertiseFlag[name]} ${formatted(name, requestedAdvertise)} differs from ${formatted(name, advertise[name])}, ` +
          `which ${identity.id} was first started with; addresses are fixed at first start`,
      );
    }
  }
  return {
    ok: true,
    plan: {
      id: identity.id,
      firstStart: false,
      bind,
      advertise,
      bootstrap,
      join: config.join ?? identity.join,
    },
  };
}

function planFirstStart(config: NodeConfig, bootstrap: StartupPlan['bootstrap']): StartupPlanResult {
  if (config.forceNewCluster)
    return refuse(`--force-new-cluster keeps a member's data, but ${config.dataDir} holds no member`);
  if (config.id === null)
    return refuse(`--id is required on the first start of a data directory (${config.dataDir})`);
  if (bootstrap === null && config.join === null) {
    return refuse('a new data directory needs one of --bootstrap, --initial-cluster or --join');
  }
  const id = config.id;
  const own = config.initialCluster?.find((member) => member.id === id) ?? null;
  const ownAddress = (name: (typeof endpointNames)[number]): HostPort | null => {
    if (own === null) return null;
    return name === 'http' ? parseHttpAddress(own.http) : parseTcpAddress(own[name]);
  };
  const bind = {
    peer: config.peerAddr ?? ownAddress('peer') ?? defaultBindAddresses.peer,
    client: config.clientAddr ?? ownAddress('client') ?? defaultBindAddresses.client,
    http: config.httpAddr ?? ownAddress('http') ?? defaultBindAddresses.http,
  };
  const advertise = {
    peer: config.advertisePeerAddr ?? ownAddress('peer'),
    client: config.advertiseClientAddr ?? ownAddress('client'),
    http: config.advertiseHttpAddr ?? ownAddress('http'),
  };
  return { ok: true, plan: { id, firstStart: true, bind, advertise, bootstrap, join: config.join } };
}

function bootstrapOf(config: NodeConfig): StartupPlan['bootstrap'] {
  if (config.bootstrap) return { kind: 'single' };
  if (config.initialCluster !== null) return { kind: 'initial-cluster', members: config.initialCluster };
  return null;
}

function requestedBind(config: NodeConfig, name: (typeof endpointNames)[number]): HostPort | null {
  return { peer: config.peerAddr, client: config.clientAddr, http: config.httpAddr }[name];
}

function requestedAdvertised(config: NodeConfig, name: (typeof endpointNames)[number]): HostPort | null {
  return {
    peer: config.advertisePeerAddr,
    client: config.advertiseClientAddr,
    http: config.advertiseHttpAddr,
  }[name];
}

function storedAddresses(endpoints: NodeIdentity['bind']): EndpointAddresses<HostPort> {
  // The identity file was validated when read, so these parse.
  return {
    peer: parseTcpAddress(endpoints.peer)!,
    client: parseTcpAddress(endpoints.client)!,
    http: parseHttpAddress(endpoints.http)!,
  };
}

function formatted(name: (typeof endpointNames)[number], address: HostPort): string {
  return `${name === 'http' ? 'http' : 'tcp'}://${address.host}:${address.port}`;
}

function refuse(message: string): StartupPlanResult {
  return { ok: false, message };
}
