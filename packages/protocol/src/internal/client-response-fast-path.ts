// A hand-written check for the two hottest client responses — a put command's result and a get
// read's result — so the client skips zod for them. It accepts only values that clientResponseSchema
// accepts AND returns unchanged; anything else (errors, other kinds) is left to zod.
import type { ClientResponse } from '../client-schemas.js';
import { clientProtocolVersion } from '../limits.js';
import { hasOnlyKeys, isBytes, isNonNegativeSafeInteger, isPlainObject } from './plain-shapes.js';

/** True when `value` is a successful put or get response that zod would decode to itself. */
export function isCommonClientResponse(value: unknown): value is ClientResponse {
  if (!isPlainObject(value) || !hasOnlyKeys(value, responseKeys)) return false;
  if (value.protocolVersion !== clientProtocolVersion || value.ok !== true) return false;
  if (value.requestId !== null && !isNonNegativeSafeInteger(value.requestId)) return false;
  const result = value.result;
  if (!isPlainObject(result) || !hasOnlyKeys(result, resultKeys) || !isNonNegativeSafeInteger(result.index)) {
    return false;
  }
  if (result.kind === 'command') return isKvResult(result.result, isPutResult);
  if (result.kind === 'read') return isKvResult(result.result, isGetResult);
  return false;
}

const responseKeys: ReadonlySet<string> = new Set(['protocolVersion', 'requestId', 'ok', 'result']);
const resultKeys: ReadonlySet<string> = new Set(['kind', 'index', 'result']);
const kvResultKeys: ReadonlySet<string> = new Set(['ok', 'revision', 'result']);
const putResultKeys: ReadonlySet<string> = new Set(['type', 'previous']);
const getResultKeys: ReadonlySet<string> = new Set(['type', 'keyValue']);
const keyValueKeys: ReadonlySet<string> = new Set([
  'key',
  'value',
  'createRevision',
  'modRevision',
  'version',
]);

/** A successful KvResult whose operation result passes `isOperationResult`. */
function isKvResult(value: unknown, isOperationResult: (value: unknown) => boolean): boolean {
  return (
    isPlainObject(value) &&
    value.ok === true &&
    hasOnlyKeys(value, kvResultKeys) &&
    isNonNegativeSafeInteger(value.revision) &&
    isOperationResult(value.result)
  );
}

function isPutResult(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    value.type === 'put' &&
    hasOnlyKeys(value, putResultKeys) &&
    (value.previous === null || isKeyValue(value.previous))
  );
}

function isGetResult(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    value.type === 'get' &&
    hasOnlyKeys(value, getResultKeys) &&
    (value.keyValue === null || isKeyValue(value.keyValue))
  );
}

function isKeyValue(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    hasOnlyKeys(value, keyValueKeys) &&
    isBytes(value.key) &&
    isBytes(value.value) &&
    isNonNegativeSafeInteger(value.createRevision) &&
    isNonNegativeSafeInteger(value.modRevision) &&
    isNonNegativeSafeInteger(value.version)
  );
}
