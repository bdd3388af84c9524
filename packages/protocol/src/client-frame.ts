// Encodes and decodes client request and response frames. Decoders never throw: a bad frame is a
// typed error that also carries the requestId when one could be read, so the endpoint can answer.
// The common shapes skip zod through hand checks that accept nothing zod would refuse or change.

import type { z } from 'zod';
import {
  type ClientError,
  type ClientRequest,
  type ClientRequestBody,
  type ClientResponse,
  type ClientResponseBody,
  clientRequestSchema,
  clientResponseSchema,
  type RequestId,
} from './client-schemas.js';
import { type DecodeError, decodeError, describeIssues } from './decode-result.js';
import { checkVersion } from './internal/check-version.js';
import { isCommonClientRequest } from './internal/client-request-fast-path.js';
import { isCommonClientResponse } from './internal/client-response-fast-path.js';
import { packValue, unpackBounded } from './internal/msgpack.js';
import { clientFrameBytesMax, clientProtocolVersion, errorMessageLengthMax } from './limits.js';

export type ClientRequestDecodeResult =
  | { readonly ok: true; readonly request: ClientRequest }
  | { readonly ok: false; readonly error: DecodeError; readonly requestId: RequestId | null };

export type ClientResponseDecodeResult =
  | { readonly ok: true; readonly response: ClientResponse }
  | { readonly ok: false; readonly error: DecodeError; readonly requestId: RequestId | null };

export function encodeClientRequest(requestId: RequestId, body: ClientRequestBody): Uint8Array {
  return packValue({ protocolVersion: clientProtocolVersion, requestId, ...body });
}

/** May exceed clientFrameBytesMax for a huge result: the endpoint checks and answers instead. */
export function encodeClientResponse(requestId: RequestId | null, body: ClientResponseBody): Uint8Array {
  return packValue({ protocolVersion: clientProtocolVersion, requestId, ...body });
}

export function decodeClientRequest(bytes: Uint8Array): ClientRequestDecodeResult {
  const parsed = decodeEnvelope(bytes, isCommonClientRequest, clientRequestSchema);
  return parsed.ok ? { ok: true, request: parsed.value } : parsed;
}

export function decodeClientResponse(bytes: Uint8Array): ClientResponseDecodeResult {
  const parsed = decodeEnvelope(bytes, isCommonClientResponse, clientResponseSchema);
  return parsed.ok ? { ok: true, response: parsed.value } : parsed;
}

/** The error a client endpoint answers a frame with when decodeClientRequest refused it. */
export function clientErrorForDecodeError(error: DecodeError): ClientError {
  const message = error.message.slice(0, errorMessageLengthMax);
  if (error.code === 'unsupported-version') {
    return { code: 'unsupported-version', supportedVersion: clientProtocolVersion, message };
  }
  return { code: 'bad-request', message: `${error.code}: ${message}`.slice(0, errorMessageLengthMax) };
}

type EnvelopeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: DecodeError; readonly requestId: RequestId | null };

/**
 * Size check, then MessagePack, then the hand check of the common shapes (a value it accepts is
 * exactly what the schema would return), else the version, then the schema.
 */
function decodeEnvelope<T>(
  bytes: Uint8Array,
  isCommon: (value: unknown) => value is T,
  schema: z.ZodType<T>,
): EnvelopeResult<T> {
  const unpacked = unpackBounded(bytes, clientFrameBytesMax);
  if (!unpacked.ok) return { ok: false, error: unpacked.error, requestId: null };
  if (isCommon(unpacked.value)) return { ok: true, value: unpacked.value };
  const requestId = readableRequestId(unpacked.value);
  const versionError = checkVersion(unpacked.value, clientProtocolVersion);
  if (versionError !== null) return { ok: false, error: versionError, requestId };
  const parsed = schema.safeParse(unpacked.value);
  if (!parsed.success) {
    return { ok: false, error: decodeError('invalid-frame', describeIssues(parsed.error)), requestId };
  }
  return { ok: true, value: parsed.data };
}

function readableRequestId(value: unknown): RequestId | null {
  if (typeof value !== 'object' || value === null || !('requestId' in value)) return null;
  const requestId = value.requestId;
  return Number.isSafeInteger(requestId) && (requestId as number) >= 0 ? (requestId as number) : null;
}
