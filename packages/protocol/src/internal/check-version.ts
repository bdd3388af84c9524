// The protocol-version gate shared by the peer and client decoders. Pure; reads, never throws.
import { type DecodeError, decodeError } from '../decode-result.js';

/**
 * A frame that says which version it speaks, and it is not ours, is 'unsupported-version'; a frame
 * without a readable version is left to the schema, which calls it 'invalid-frame'.
 */
export function checkVersion(value: unknown, expectedVersion: number): DecodeError | null {
  if (typeof value !== 'object' || value === null || !('protocolVersion' in value)) return null;
  const version = value.protocolVersion;
  if (typeof version !== 'number' || version === expectedVersion) return null;
  return decodeError('unsupported-version', `protocol version ${version} is not ${expectedVersion}`);
}
