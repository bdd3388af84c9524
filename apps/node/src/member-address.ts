// The `address` raftkvd stores for each member in the Raft configuration (opaque to the core): a
// JSON object of the member's advertised peer, client and HTTP addresses and, on a secure cluster, its
// CURVE public key (absent in data directories written before keys existed). Pure codec; no I/O.
import { addressLengthMax } from '@raftkv/protocol';
import { isCurveKey } from '@raftkv/transport-zmq';
import { z } from 'zod';
import { parseHttpAddress, parseTcpAddress } from './addresses.js';

export interface MemberAddress {
  /** ZeroMQ peer endpoint, tcp://host:port. */
  readonly peer: string;
  /** ZeroMQ client endpoint; null when the member was added without one. */
  readonly client: string | null;
  /** HTTP API; null when the member was added without one. */
  readonly http: string | null;
  /** The member's CURVE public key (Z85): peers dial and admit it by this key. Absent: none known. */
  readonly key?: string | null;
}

const tcpAddress = z.string().refine((text) => parseTcpAddress(text) !== null);
const httpAddress = z.string().refine((text) => parseHttpAddress(text) !== null);
const memberAddressSchema = z.strictObject({
  peer: tcpAddress,
  client: tcpAddress.nullable(),
  http: httpAddress.nullable(),
  key: z.string().refine(isCurveKey).nullable().optional(),
});

export function encodeMemberAddress(address: MemberAddress): string {
  const { peer, client, http, key } = address;
  return JSON.stringify(key == null ? { peer, client, http } : { peer, client, http, key });
}

/** Whether the encoded address fits the wire protocol's bound on member addresses. */
export function fitsMemberAddress(address: MemberAddress): boolean {
  return encodeMemberAddress(address).length <= addressLengthMax;
}

/**
 * Our JSON form, or a bare tcp:// peer address (as a CLI `members add` may store): null when the
 * text is neither, so a foreign address never crashes the node, it only makes the member unreachable.
 */
export function parseMemberAddress(text: string): MemberAddress | null {
  if (parseTcpAddress(text) !== null) return { peer: text, client: null, http: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = memberAddressSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
