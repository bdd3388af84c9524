// The ONE msgpackr configuration of raftkv's wire: fixed options, no records, no structured-clone
// extensions. Unpacking is bounded and caught here so that no caller can see a msgpackr throw.
import { Packr } from 'msgpackr';
import { type DecodeError, decodeError } from '../decode-result.js';

/**
 * - useRecords false: plain maps, so a frame means the same to every decoder, with no shared state.
 * - structuredClone false: the id/pointer extensions (cycles) are refused when unpacking.
 * - moreTypes false, bundleStrings false: only the core MessagePack types are produced when packing.
 * - int64AsType 'number': 64-bit integers decode to numbers; the schemas then require safe integers.
 * - mapsAsObjects true: maps become plain objects (msgpackr renames a `__proto__` key).
 * - copyBuffers false: decoded byte fields are views into the received frame, not copies (speed);
 *   unpackBounded hands msgpackr a plain Uint8Array so those views are plain Uint8Arrays as well.
 */
const packr = new Packr({
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  bundleStrings: false,
  int64AsType: 'number',
  mapsAsObjects: true,
  copyBuffers: false,
});

export function packValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

export type UnpackResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: DecodeError };

/** Exactly one MessagePack value from `bytes`, which must be at most `bytesMax` long. */
export function unpackBounded(bytes: Uint8Array, bytesMax: number): UnpackResult {
  if (!(bytes instanceof Uint8Array)) {
    return { ok: false, error: decodeError('malformed-msgpack', 'expected a byte array') };
  }
  if (bytes.byteLength > bytesMax) {
    return {
      ok: false,
      error: decodeError('frame-too-large', `frame of ${bytes.byteLength} bytes exceeds ${bytesMax}`),
    };
  }
  if (bytes.byteLength === 0) return { ok: false, error: decodeError('malformed-msgpack', 'empty frame') };
  try {
    return { ok: true, value: packr.unpack(asPlainBytes(bytes)) };
  } catch (error) {
    return { ok: false, error: decodeError('malformed-msgpack', describeThrown(error)) };
  }
}

/**
 * A plain Uint8Array view of the same memory (no copy). Decoded byte fields are subarrays of the
 * source, so they come out as plain Uint8Array too, never Node Buffers (whose slice() is a view).
 */
const asPlainBytes = (bytes: Uint8Array): Uint8Array =>
  bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const describeThrown = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).slice(0, 200);
