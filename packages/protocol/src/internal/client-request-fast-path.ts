// A hand-written check for the two hottest client requests — a put command (with or without a
// session) and a get read — so the endpoint skips zod for them. It accepts only values that
// clientRequestSchema accepts AND returns unchanged; anything else is left to zod (and its errors).
import type { ClientRequest } from '../client-schemas.js';
import { clientProtocolVersion } from '../limits.js';
import {
  hasOnlyKeys,
  isNonNegativeSafeInteger,
  isPlainBytes,
  isPlainObject,
  isPositiveSafeInteger,
} from './plain-shapes.js';

/** True when `value` is a well-formed put command or get read that zod would decode to itself. */
export function isCommonClientRequest(value: unknown): value is ClientRequest {
  if (!isPlainObject(value)) return false;
  if (value.protocolVersion !== clientProtocolVersion || !isNonNegativeSafeInteger(value.requestId))
    return false;
  if (value.kind === 'command') return hasOnlyKeys(value, commandRequestKeys) && isPutCommand(value.command);
  if (value.kind === 'read') {
    return (
      hasOnlyKeys(value, readRequestKeys) &&
      (value.consistency === 'linearizable' || value.consistency === 'serializable') &&
      (value.minRevision === undefined || isNonNegativeSafeInteger(value.minRevision)) &&
      isGetQuery(value.query)
    );
  }
  return false;
}

const commandRequestKeys: ReadonlySet<string> = new Set(['protocolVersion', 'requestId', 'kind', 'command']);
const readRequestKeys: ReadonlySet<string> = new Set([
  'protocolVersion',
  'requestId',
  'kind',
  'query',
  'consistency',
  'minRevision',
]);
const commandKeys: ReadonlySet<string> = new Set(['operation', 'session']);
const putKeys: ReadonlySet<string> = new Set(['type', 'key', 'value', 'returnPrevious']);
const getKeys: ReadonlySet<string> = new Set(['type', 'key']);
const sessionKeys: ReadonlySet<string> = new Set(['clientId', 'sequence', 'firstUnacknowledgedSequence']);

/** kvCommandSchema on a put: @raftkv/kv's objects strip unknown keys, so any extra key means "ask zod". */
function isPutCommand(value: unknown): boolean {
  if (!isPlainObject(value) || !hasOnlyKeys(value, commandKeys)) return false;
  const operation = value.operation;
  if (!isPlainObject(operation) || operation.type !== 'put' || !hasOnlyKeys(operation, putKeys)) return false;
  if (!isPlainBytes(operation.key) || !isPlainBytes(operation.value)) return false;
  const returnPrevious = operation.returnPrevious;
  if (returnPrevious !== undefined && typeof returnPrevious !== 'boolean') return false;
  return value.session === undefined || isSession(value.session);
}

/** commandSessionSchema, including its refinement firstUnacknowledgedSequence ≤ sequence. */
function isSession(value: unknown): boolean {
  if (!isPlainObject(value) || !hasOnlyKeys(value, sessionKeys)) return false;
  const { clientId, sequence, firstUnacknowledgedSequence } = value;
  if (typeof clientId !== 'string' || clientId.length === 0) return false;
  if (!isPositiveSafeInteger(sequence) || !isPositiveSafeInteger(firstUnacknowledgedSequence)) return false;
  return firstUnacknowledgedSequence <= sequence;
}

function isGetQuery(value: unknown): boolean {
  return (
    isPlainObject(value) && value.type === 'get' && hasOnlyKeys(value, getKeys) && isPlainBytes(value.key)
  );
}
