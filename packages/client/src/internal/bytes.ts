// Converts the client's string-or-bytes arguments to the bytes the KV model carries. Pure.
import type { Bytes } from '../results.js';

const encoder = new TextEncoder();

export function toBytes(value: Bytes): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value;
}
