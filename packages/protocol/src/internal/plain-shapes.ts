// Small type checks for the hand-written decode fast paths: each says whether a decoded MessagePack
// value has one exact shape, the way the zod schemas would judge it. Pure predicates; never throw.

/** An object built from a MessagePack map (prototype Object.prototype), not an array or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** No key outside `allowed` (a strict object refuses such a key, a stripping one would drop it). */
export function hasOnlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

/** What `z.int().nonnegative()` accepts. */
export function isNonNegativeSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** What `z.number().int().positive()` accepts. */
export function isPositiveSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** What `z.instanceof(Uint8Array)` accepts (a Buffer too). */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** Bytes that @raftkv/kv's `bytes` transform returns unchanged: a plain Uint8Array, not a subclass. */
export function isPlainBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.constructor === Uint8Array;
}

/** What the peer schemas' bounded-bytes check accepts: any Uint8Array (a Buffer too) up to `bytesMax`. */
export function isBoundedBytes(value: unknown, bytesMax: number): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength <= bytesMax;
}

/**
 * An array of at most `lengthMax` elements that `z.array` would copy to an equal array: prototype
 * Array.prototype and no own enumerable key besides its indexes (the caller checks that every index
 * holds an element, so there is no hole). The length is checked first, before any per-index work.
 */
export function isPlainArray(value: unknown, lengthMax: number): value is unknown[] {
  return (
    Array.isArray(value) &&
    value.length <= lengthMax &&
    Object.getPrototypeOf(value) === Array.prototype &&
    Object.keys(value).length === value.length
  );
}
