// The one msgpackr configuration of @raftkv/kv. Fixed options so the same value always encodes to
// the same bytes on every node (no record structures, no shared state between calls). Never change
// an option without a format version bump: stored session results and snapshots depend on it.
import { type Options, Packr } from 'msgpackr';
import { plainBytes } from './bytes.js';

/** `skipValues` is documented and implemented by msgpackr 2.1 but missing from its typings. */
const options: Options & { readonly skipValues: readonly unknown[] } = {
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  variableMapSize: true,
  // Optional fields left undefined are omitted, so `{a: 1}` and `{a: 1, b: undefined}` encode alike.
  skipValues: [undefined],
  int64AsType: 'number',
};

export const kvPackr = new Packr(options);

/**
 * Unpacks through a fresh view of `data`: msgpackr caches a `dataView` property on the array it
 * reads, and the caller's array (a log entry, a stored record) must stay untouched.
 */
export function unpackFromView(data: Uint8Array): unknown {
  return kvPackr.unpack(plainBytes(data));
}

/** Unpacks `data` with every byte string as a plain Uint8Array (msgpackr yields Node Buffers). */
export function unpackWithPlainBytes(data: Uint8Array): unknown {
  return withPlainBytes(unpackFromView(data));
}

function withPlainBytes(value: unknown): unknown {
  if (value instanceof Uint8Array) return value.constructor === Uint8Array ? value : plainBytes(value);
  if (Array.isArray(value)) return value.map(withPlainBytes);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, withPlainBytes(field)]));
  }
  return value;
}
