// A hand-written check for the most common log command — a put, with or without a session — so
// applying it skips zod's general machinery. It accepts only what kvCommandSchema accepts and returns
// what zod would; anything else (other operations, extra or odd fields) returns null for zod to decide.
import type { CommandSession, KvCommand } from '../commands.js';
import { plainBytes } from './bytes.js';

/** The command when `value` is a plain, valid put command; null when zod must decide. */
export function decodePutCommandFast(value: unknown): KvCommand | null {
  if (!isPlainObject(value) || !hasOnlyKeys(value, commandKeys)) return null;
  const operation = value.operation;
  if (!isPlainObject(operation) || operation.type !== 'put' || !hasOnlyKeys(operation, putKeys)) return null;
  const { key, value: putValue, returnPrevious } = operation;
  if (!(key instanceof Uint8Array) || !(putValue instanceof Uint8Array)) return null;
  if (returnPrevious !== undefined && typeof returnPrevious !== 'boolean') return null;
  const put =
    returnPrevious === undefined
      ? { type: 'put' as const, key: asPlain(key), value: asPlain(putValue) }
      : { type: 'put' as const, key: asPlain(key), value: asPlain(putValue), returnPrevious };
  if (value.session === undefined) return 'session' in value ? null : { operation: put };
  const session = sessionFast(value.session);
  return session === null ? null : { operation: put, session };
}

const commandKeys: ReadonlySet<string> = new Set(['operation', 'session']);
const putKeys: ReadonlySet<string> = new Set(['type', 'key', 'value', 'returnPrevious']);
const sessionKeys: ReadonlySet<string> = new Set(['clientId', 'sequence', 'firstUnacknowledgedSequence']);

function sessionFast(value: unknown): CommandSession | null {
  if (!isPlainObject(value) || !hasOnlyKeys(value, sessionKeys)) return null;
  const { clientId, sequence, firstUnacknowledgedSequence } = value;
  if (typeof clientId !== 'string' || clientId.length === 0) return null;
  if (!isPositiveSafeInteger(sequence) || !isPositiveSafeInteger(firstUnacknowledgedSequence)) return null;
  if (firstUnacknowledgedSequence > sequence) return null;
  return { clientId, sequence, firstUnacknowledgedSequence };
}

function isPositiveSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function hasOnlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

/** zod's `bytes` transform: a plain Uint8Array as is, a subclass (msgpackr's Buffer) as a plain view. */
function asPlain(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : plainBytes(bytes);
}
