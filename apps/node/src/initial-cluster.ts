// Parses --initial-cluster, the static bootstrap membership (like etcd's --initial-cluster):
// "n1=tcp://h1:7001,tcp://h1:8001,http://h1:9001;n2=..." — per member its peer, client and HTTP
// addresses, in that order, and on a secure cluster its CURVE public key as a fourth field (Z85 has no
// ',' or ';'). Pure; returns a message for bad input, never throws.
import { nodeIdPattern } from '@raftkv/protocol';
import { isCurveKey } from '@raftkv/transport-zmq';
import {
  formatHttpAddress,
  type HostPort,
  isAdvertisable,
  parseHttpAddress,
  parseTcpAddress,
} from './addresses.js';
import type { MemberAddress } from './member-address.js';

export interface InitialMember extends MemberAddress {
  readonly id: string;
  readonly client: string;
  readonly http: string;
}

export type InitialClusterParse =
  | { readonly ok: true; readonly members: readonly InitialMember[] }
  | { readonly ok: false; readonly message: string };

export const initialClusterSyntax =
  'id=tcp://host:peerPort,tcp://host:clientPort,http://host:httpPort[,publicKey];id=...';

export function parseInitialCluster(text: string): InitialClusterParse {
  const members: InitialMember[] = [];
  const parts = text
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0)
    return { ok: false, message: `lists no members (expected ${initialClusterSyntax})` };
  for (const part of parts) {
    const member = parseMember(part);
    if (typeof member === 'string') return { ok: false, message: member };
    if (members.some((other) => other.id === member.id)) {
      return { ok: false, message: `lists member ${member.id} twice` };
    }
    members.push(member);
  }
  return { ok: true, members };
}

/** The same membership written back in the flag's syntax. */
export function formatInitialCluster(members: readonly InitialMember[]): string {
  return members
    .map((member) => {
      const key = member.key == null ? '' : `,${member.key}`;
      return `${member.id}=${member.peer},${member.client},${member.http}${key}`;
    })
    .join(';');
}

function parseMember(part: string): InitialMember | string {
  const equals = part.indexOf('=');
  if (equals <= 0) return `member "${part}" is not id=peer,client,http (expected ${initialClusterSyntax})`;
  const id = part.slice(0, equals).trim();
  if (!nodeIdPattern.test(id)) return `member id "${id}" is not a valid node id (letters, digits, . _ -)`;
  const addresses = part
    .slice(equals + 1)
    .split(',')
    .map((address) => address.trim());
  if (addresses.length !== 3 && addresses.length !== 4)
    return `member ${id} needs three addresses and an optional key: peer,client,http[,publicKey]`;
  const [peerText, clientText, httpText, key] = addresses as [string, string, string, string | undefined];
  if (key !== undefined && !isCurveKey(key))
    return `member ${id}: "${key}" is not a 40-character Z85 public key`;
  const problem =
    addressProblem(peerText, parseTcpAddress(peerText), 'tcp://host:port') ??
    addressProblem(clientText, parseTcpAddress(clientText), 'tcp://host:port') ??
    addressProblem(httpText, parseHttpAddress(httpText), 'http://host:port');
  if (problem !== null) return `member ${id}: ${problem}`;
  const http = formatHttpAddress(parseHttpAddress(httpText)!);
  return key === undefined
    ? { id, peer: peerText, client: clientText, http }
    : { id, peer: peerText, client: clientText, http, key };
}

function addressProblem(text: string, address: HostPort | null, form: string): string | null {
  if (address === null) return `"${text}" is not a ${form} address`;
  if (!isAdvertisable(address)) return `"${text}" must name a concrete host and a non-zero port`;
  return null;
}
