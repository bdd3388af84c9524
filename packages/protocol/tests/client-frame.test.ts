// Client frame codec: round trips of every request and response kind, and typed rejection (never a
// throw) that keeps the requestId whenever it could be read, so the endpoint can still answer.
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  clientErrorForDecodeError,
  clientFrameBytesMax,
  clientProtocolVersion,
  decodeClientRequest,
  decodeClientResponse,
  encodeClientRequest,
  encodeClientResponse,
} from '../src/index.js';
import { MessageGenerator } from './generate-messages.js';
import { requests, responses } from './sample-client-frames.js';

const rawPackr = new Packr({ useRecords: false });
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('client frame round trips', () => {
  it.each(requests.map((request) => [request.kind, request] as const))(
    'a %s request round-trips',
    (_kind, body) => {
      const decoded = decodeClientRequest(encodeClientRequest(41, body));
      expect(decoded).toEqual({
        ok: true,
        request: { protocolVersion: clientProtocolVersion, requestId: 41, ...body },
      });
    },
  );

  it.each(
    responses.map(
      (response) => [response.ok ? response.result.kind : response.error.code, response] as const,
    ),
  )('a %s response round-trips', (_label, body) => {
    const decoded = decodeClientResponse(encodeClientResponse(7, body));
    expect(decoded).toEqual({
      ok: true,
      response: { protocolVersion: clientProtocolVersion, requestId: 7, ...body },
    });
  });

  it('a response to an unreadable request carries requestId null', () => {
    const decoded = decodeClientResponse(
      encodeClientResponse(null, { ok: false, error: { code: 'bad-request', message: 'x' } }),
    );
    expect(decoded.ok && decoded.response.requestId).toBeNull();
  });
});

describe('client frame rejection is a typed error, never a throw', () => {
  const rawRequest = (fields: Record<string, unknown>): Uint8Array =>
    rawPackr.pack({ protocolVersion: clientProtocolVersion, requestId: 5, kind: 'status', ...fields });

  it('garbage bytes are malformed with requestId null', () => {
    const decoded = decodeClientRequest(Uint8Array.from([0x93, 0x01]));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'malformed-msgpack' }, requestId: null });
  });

  it(`random garbage never throws, for requests and responses (seed ${seedOfGarbage()})`, () => {
    const generator = new MessageGenerator(seedOfGarbage());
    for (let round = 0; round < 2000; round += 1) {
      const garbage = Uint8Array.from({ length: generator.nextInt(48) }, () => generator.nextInt(256));
      expect(decodeClientRequest(garbage).ok).toBe(false);
      expect(decodeClientResponse(garbage).ok).toBe(false);
    }
  });

  it('every truncation of a valid request is rejected', () => {
    const frame = encodeClientRequest(9, requests[0]!);
    for (let length = 0; length < frame.byteLength; length += 1) {
      expect(decodeClientRequest(frame.subarray(0, length)).ok).toBe(false);
    }
  });

  it('an oversized request is refused before decoding', () => {
    const decoded = decodeClientRequest(new Uint8Array(clientFrameBytesMax + 1));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'frame-too-large' }, requestId: null });
  });

  it('a wrong version is unsupported-version, keeps the requestId, and maps to a typed answer', () => {
    const decoded = decodeClientRequest(rawRequest({ protocolVersion: clientProtocolVersion + 1 }));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'unsupported-version' }, requestId: 5 });
    if (!decoded.ok) {
      expect(clientErrorForDecodeError(decoded.error)).toMatchObject({
        code: 'unsupported-version',
        supportedVersion: clientProtocolVersion,
      });
    }
  });

  it.each([
    ['an unknown kind', { kind: 'explode' }],
    ['an unknown key', { extra: 1 }],
    [
      'a read with an unknown consistency',
      { kind: 'read', query: { type: 'get', key: bytes('a') }, consistency: 'eventual' },
    ],
    [
      'a command whose key is a string',
      { kind: 'command', command: { operation: { type: 'put', key: 'a', value: bytes('1') } } },
    ],
    ['a transfer to an invalid node id', { kind: 'transferLeadership', to: '' }],
    [
      'a negative range limit',
      {
        kind: 'read',
        query: { type: 'range', start: bytes('a'), end: null, limit: -1 },
        consistency: 'serializable',
      },
    ],
  ])('a request with %s is invalid and keeps its requestId', (_label, fields) => {
    const decoded = decodeClientRequest(rawRequest(fields));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'invalid-frame' }, requestId: 5 });
    if (!decoded.ok) expect(clientErrorForDecodeError(decoded.error).code).toBe('bad-request');
  });

  it.each([
    ['a float requestId', 1.5],
    ['a negative requestId', -3],
    ['a string requestId', '5'],
  ])('a request with %s is invalid with requestId null', (_label, requestId) => {
    const decoded = decodeClientRequest(rawRequest({ requestId }));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'invalid-frame' }, requestId: null });
  });

  it('a response with an unknown error code is invalid', () => {
    const frame = rawPackr.pack({
      protocolVersion: clientProtocolVersion,
      requestId: 3,
      ok: false,
      error: { code: 'boom', message: '' },
    });
    expect(decodeClientResponse(frame)).toMatchObject({
      ok: false,
      error: { code: 'invalid-frame' },
      requestId: 3,
    });
  });
});

function seedOfGarbage(): number {
  return Number(process.env.PROTOCOL_TEST_SEED ?? 424242);
}
