// The `address` raftkvd stores for each member in the Raft configuration (opaque to the core): a
// JSON object of the member's advertised peer, client and HTTP addresses. Pure codec; no I/O.
import { addressLengthMax } from '@raftkv/protocol';
import { z } from 'zod';
import { parseHttpAddress, parseTcpAddress } from './addresses.js';

export interface MemberAddress {
  /** ZeroMQ peer endpoint, tcp://host:port. */
  readonly peer: string;
  /** ZeroMQ client endpoint; null when the member was added without one. */
  readonly client: string | null;
  /** HTTP API; null when the member was added without one. */
  readonly http: string | null;
}

const tcpAddress = z.string().refine((text) => parseTcpAddress(text) !== null);
const httpAddress = z.string().refine((text) => parseHttpAddress(text) !== null);
const memberAddressSchema = z.strictObject({
  peer: tcpAddress,
  client: tcpAddress.nullable(),
  http: httpAddress.nullable(),
});

export function encodeMemberAddress(address: MemberAddress): string {
  return JSON.stringify({ peer: address.peer, client: address.client, http: address.http });
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
