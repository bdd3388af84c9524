// Frames stored values as payload ‖ CRC32(payload) (big-endian, 4 bytes), so a flipped bit is caught
// on read. The CRC may be seeded with a checksum of the record's key, binding a value to its key.
// Pure byte work; never touches LMDB.
import { crc32 } from 'node:zlib';
import { StorageCorruptionError } from '@raftkv/wal';

export const checksumBytes = 4;

/** A seed that binds a framed value to `key` (computed once per fixed key). */
export function checksumSeedOf(key: Uint8Array): number {
  return crc32(key);
}

/** A fresh Buffer holding `payload` followed by its checksum (seeded with `seed`, 0 for none). */
export function frameValue(payload: Uint8Array, seed: number): Buffer {
  const framed = Buffer.allocUnsafe(payload.byteLength + checksumBytes);
  framed.set(payload, 0);
  framed.writeUInt32BE(crc32(payload, seed), payload.byteLength);
  return framed;
}

/**
 * The payload of a framed value (a view, no copy), after verifying its checksum; `what` names the
 * record in the error (e.g. "log entry 42").
 */
export function unframeValue(file: string, what: string, seed: number, framed: Buffer): Buffer {
  if (framed.byteLength < checksumBytes) {
    throw new StorageCorruptionError(file, `${what} is truncated (${framed.byteLength} bytes)`);
  }
  const payloadBytes = framed.byteLength - checksumBytes;
  const payload = framed.subarray(0, payloadBytes);
  const stored = framed.readUInt32BE(payloadBytes);
  const computed = crc32(payload, seed);
  if (stored !== computed) {
    throw new StorageCorruptionError(
      file,
      `${what} fails its checksum (stored ${hex(stored)}, computed ${hex(computed)}); refusing to use it`,
    );
  }
  return payload;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
