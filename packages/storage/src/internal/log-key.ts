// Log keys: a log index as 8 bytes big-endian, so LMDB's byte order is index order (DESIGN.md).
// Pure conversion; indexes beyond Number.MAX_SAFE_INTEGER are a programmer error.
import { assert, type LogIndex } from '@raftkv/raft';

export const logKeyBytes = 8;

export function logKey(index: LogIndex): Buffer {
  assert(Number.isSafeInteger(index) && index >= 0, () => `logKey: bad log index ${index}`);
  const key = Buffer.allocUnsafe(logKeyBytes);
  key.writeUInt32BE(Math.floor(index / 2 ** 32), 0);
  key.writeUInt32BE(index >>> 0, 4);
  return key;
}

/** The index a stored key names, or undefined when the key is not 8 bytes (a corrupt key). */
export function logIndexOfKey(key: Buffer): LogIndex | undefined {
  if (key.byteLength !== logKeyBytes) return undefined;
  return key.readUInt32BE(0) * 2 ** 32 + key.readUInt32BE(4);
}
