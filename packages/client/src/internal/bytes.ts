// Converts the client's string-or-bytes arguments to the bytes the KV model carries. Pure.
import { KvClientError } from '../client-error.js';
import type { Bytes } from '../results.js';

const encoder = new TextEncoder();
/** A lone UTF-16 surrogate: TextEncoder would send it as U+FFFD, so two different strings would meet. */
const loneSurrogate = /\p{Cs}/u;

/** UTF-8 of a string (refused with 'invalid-argument' if it is not valid Unicode), or the bytes as given. */
export function toBytes(value: Bytes): Uint8Array {
  if (typeof value !== 'string') return value;
  if (loneSurrogate.test(value)) {
    throw new KvClientError(
      'invalid-argument',
      `${JSON.stringify(value.slice(0, 64))} holds a lone UTF-16 surrogate, which UTF-8 cannot carry; pass valid Unicode or bytes`,
    );
  }
  return encoder.encode(value);
}
