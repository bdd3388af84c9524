// Byte-array helpers for keys and fixed-width integers: unsigned lexicographic order, equality,
// concatenation and big-endian encoding. Pure functions; must never keep or mutate their inputs.

/** Negative, zero or positive as `a` sorts before, with or after `b`, comparing unsigned bytes. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let position = 0; position < length; position++) {
    const difference = a[position]! - b[position]!;
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const result = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}

/** A fresh copy, so that later changes to the caller's array cannot reach stored state. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** A plain Uint8Array view of the same memory (for a Buffer or other subclass); no copy. */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The smallest key greater than every key that starts with `prefix`: the end of a prefix scan.
 * Null when no such key exists (the prefix is empty or all 0xff bytes): the scan is then unbounded.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | null {
  for (let position = prefix.length - 1; position >= 0; position--) {
    if (prefix[position] !== 0xff) {
      const end = prefix.slice(0, position + 1);
      end[position] = end[position]! + 1;
      return end;
    }
  }
  return null;
}

const twoToThe32 = 0x1_0000_0000;

/** Writes a non-negative safe integer as 8 big-endian bytes at `offset`, so byte order = numeric order. */
export function writeUint64(target: Uint8Array, offset: number, value: number): void {
  writeUint32(target, offset, Math.floor(value / twoToThe32));
  writeUint32(target, offset + 4, value % twoToThe32);
}

export function readUint64(source: Uint8Array, offset: number): number {
  return readUint32(source, offset) * twoToThe32 + readUint32(source, offset + 4);
}

function writeUint32(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value >>> 24;
  target[offset + 1] = value >>> 16;
  target[offset + 2] = value >>> 8;
  target[offset + 3] = value;
}

function readUint32(source: Uint8Array, offset: number): number {
  return (
    ((source[offset]! << 24) |
      (source[offset + 1]! << 16) |
      (source[offset + 2]! << 8) |
      source[offset + 3]!) >>>
    0
  );
}

export function uint64Bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  writeUint64(bytes, 0, value);
  return bytes;
}
