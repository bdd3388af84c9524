// After binding: the addresses this node actually holds (OS-assigned ports filled in) and the ones it
// advertises, checked for being reachable, plus the bootstrap configuration built from them. Pure;
// a contradiction with the settings is a StartupRefusedError (a usage error), never a crash.
import { type Configuration, nodeId } from '@raftkv/raft';
import {
  formatHttpAddress,
  formatTcpAddress,
  type HostPort,
  isAdvertisable,
  parseTcpAddress,
} from './addresses.js';
import type { Endpoints } from './identity.js';
import { encodeMemberAddress, fitsMemberAddress } from './member-address.js';
import type { StartupPlan } from './startup-plan.js';

/** The settings contradict the data directory or each other: report and exit with the usage code. */
export class StartupRefusedError extends Error {
  override readonly name = 'StartupRefusedError';
}

export interface SettledAddresses {
  readonly id: string;
  readonly bind: Endpoints;
  readonly advertise: Endpoints;
}

export interface BoundEndpoints {
  /** ZeroMQ's lastEndpoint of the peer ROUTER, e.g. tcp://127.0.0.1:40123. */
  readonly peer: string;
  readonly client: string;
  readonly httpPort: number;
}

export function settleAddresses(plan: StartupPlan, bound: BoundEndpoints): SettledAddresses {
  const peer = boundTcp(bound.peer, plan.bind.peer);
  const client = boundTcp(bound.client, plan.bind.client);
  const http = { host: plan.bind.http.host, port: bound.httpPort };
  const bind: Endpoints = {
    peer: formatTcpAddress(peer),
    client: formatTcpAddress(client),
    http: formatHttpAddress(http),
  };
  const advertise: Endpoints = {
    peer: formatTcpAddress(advertisable(plan.advertise.peer ?? peer, '--peer-addr', '--advertise-peer-addr')),
    client: formatTcpAddress(
      advertisable(plan.advertise.client ?? client, '--client-addr', '--advertise-client-addr'),
    ),
    http: formatHttpAddress(
      advertisable(plan.advertise.http ?? http, '--http-addr', '--advertise-http-addr'),
    ),
  };
  if (!fitsMemberAddress(advertise)) {
    throw new StartupRefusedError(
      'the advertised addresses are too long to store in the cluster configuration',
    );
  }
  return { id: plan.id, bind, advertise };
}

/** The first configuration: this node alone (--bootstrap) or the --initial-cluster members. */
export function bootstrapConfiguration(
  bootstrap: NonNullable<StartupPlan['bootstrap']>,
  addresses: SettledAddresses,
  /** This node's CURVE public key on a secure node, stored with its addresses; null: plaintext. */
  publicKey: string | null = null,
): Configuration {
  if (bootstrap.kind === 'single') {
    return {
      members: [
        {
          id: nodeId(addresses.id),
          role: 'voter',
          address: encodeMemberAddress({ ...addresses.advertise, key: publicKey }),
        },
      ],
    };
  }
  const own = bootstrap.members.find((member) => member.id === addresses.id);
  if (own === undefined)
    throw new StartupRefusedError(`--initial-cluster does not list this node's id ${addresses.id}`);
  for (const name of ['peer', 'client', 'http'] as const) {
    if (own[name] !== addresses.advertise[name]) {
      throw new StartupRefusedError(
        `--initial-cluster gives ${addresses.id} the ${name} address ${own[name]}, but this node advertises ` +
          `${addresses.advertise[name]}`,
      );
    }
  }
  if (publicKey !== null) {
    const keyless = bootstrap.members.find((member) => member.key == null);
    if (keyless !== undefined)
      throw new StartupRefusedError(
        `--initial-cluster gives no public key for ${keyless.id}; a secure node needs every member's key ` +
          '(id=peer,client,http,publicKey)',
      );
    if (own.key !== publicKey)
      throw new StartupRefusedError(
        `--initial-cluster gives ${addresses.id} the public key ${own.key}, but --key-file holds ${publicKey}`,
      );
  }
  return {
    members: bootstrap.members.map((member) => ({
      id: nodeId(member.id),
      role: 'voter' as const,
      address: encodeMemberAddress(member),
    })),
  };
}

function boundTcp(lastEndpoint: string, requested: HostPort): HostPort {
  const parsed = parseTcpAddress(lastEndpoint);
  // ZeroMQ reports the port it bound; keep the host as the operator wrote it (names stay names).
  return { host: requested.host, port: parsed?.port ?? requested.port };
}

function advertisable(address: HostPort, bindFlag: string, advertiseFlag: string): HostPort {
  if (isAdvertisable(address)) return address;
  throw new StartupRefusedError(
    `${bindFlag} binds ${address.host}, which other members cannot dial; set ${advertiseFlag} to a reachable address`,
  );
}
