// Text forms of KV commands and results for the simulator's checkers and traces: UTF-8 keys and
// values, a canonical text of any apply result (equal results, equal text), the keys a command writes.
import type { KvApplyResult, KvOperation } from '@raftkv/kv';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const utf8 = (text: string): Uint8Array => encoder.encode(text);
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes);

/** A canonical text of a value: object keys sorted, undefined fields left out, bytes as hex. */
function canonical(value: unknown): string {
  if (value instanceof Uint8Array) {
    let hex = '';
    for (const byte of value) hex += byte.toString(16).padStart(2, '0');
    return `0x${hex}`;
  }
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const fields = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${key}:${canonical(record[key])}`);
    return `{${fields.join(',')}}`;
  }
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/** Equal apply results (however they were built or decoded) give equal text. */
export const resultText = (result: KvApplyResult): string => canonical(result);

/** Structural equality of two results: bytes by content, object fields by name (undefined = absent). */
export function sameResult(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let position = 0; position < a.length; position += 1) if (a[position] !== b[position]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    return a.every((item, position) => sameResult(item, b[position]));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  for (const key of Object.keys(left)) if (!sameResult(left[key], right[key])) return false;
  for (const key of Object.keys(right)) if (!(key in left) && right[key] !== undefined) return false;
  return true;
}

/** The user keys a command may write (both branches of a transaction), as text. */
export function writtenKeys(operation: KvOperation): string[] {
  switch (operation.type) {
    case 'put':
    case 'delete':
    case 'compareAndSwap':
      return [fromUtf8(operation.key)];
    case 'transaction':
      return [...operation.success, ...operation.failure]
        .filter((step) => step.type === 'put' || step.type === 'delete')
        .map((step) => fromUtf8((step as { key: Uint8Array }).key));
    default:
      return [];
  }
}
