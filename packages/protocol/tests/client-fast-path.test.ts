// The hand-written fast paths of the client decoders must agree with the zod schemas: whatever they
// accept, zod accepts and decodes to the very same value; what they decline still gets zod's answer.
// Inputs are seeded mutations of well-formed put/get requests and responses, plus named edge cases.
import { keyBytesMax, valueBytesMax } from '@raftkv/kv';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { decodeError, describeIssues } from '../src/decode-result.js';
import {
  type ClientRequestDecodeResult,
  type ClientResponseDecodeResult,
  clientProtocolVersion,
  clientRequestSchema,
  clientResponseSchema,
  decodeClientRequest,
  decodeClientResponse,
  encodeClientRequest,
  encodeClientResponse,
} from '../src/index.js';
import { checkVersion } from '../src/internal/check-version.js';
import { isCommonClientRequest } from '../src/internal/client-request-fast-path.js';
import { isCommonClientResponse } from '../src/internal/client-response-fast-path.js';
import { unpackBounded } from '../src/internal/msgpack.js';
import { clientFrameBytesMax } from '../src/limits.js';
import { agreesWithSchema, SeededDraw } from './fast-path-equivalence.js';

const seed = Number(process.env.PROTOCOL_TEST_SEED ?? 515_151);
const rounds = 10_000;
const rawPackr = new Packr({ useRecords: false });
type Tree = Record<string, unknown>;

class Draw extends SeededDraw {}

class Plain {
  type = 'put';
}

/** Values no well-formed field holds, and some that fit other fields. */
const oddValues: readonly (() => unknown)[] = [
  () => undefined,
  () => null,
  () => 0,
  () => -1,
  () => 1,
  () => -0,
  () => 1.5,
  () => 2 ** 53 - 1,
  () => 2 ** 53,
  () => Number.NaN,
  () => Number.POSITIVE_INFINITY,
  () => '',
  () => 'x',
  () => 'put',
  () => 'get',
  () => 'command',
  () => 'read',
  () => 'linearizable',
  () => true,
  () => false,
  () => [],
  () => ({}),
  () => Object.create(null),
  () => new Plain(),
  () => Uint8Array.of(1, 2),
  () => Buffer.from('buffer'),
  () => new Uint8Array(10_000), // far above keyBytesMax: the schema does not check KV limits
  () => new Uint16Array(2),
];

function bytes(draw: Draw): Uint8Array {
  return draw.pick([() => new Uint8Array(0), () => Uint8Array.of(7), () => new Uint8Array(256).fill(3)])();
}

function validPutRequest(draw: Draw): Tree {
  const operation: Tree = { type: 'put', key: bytes(draw), value: bytes(draw) };
  if (draw.chance(0.3)) operation.returnPrevious = draw.pick([true, false, undefined]);
  const command: Tree = { operation };
  if (draw.chance(0.7)) {
    const sequence = 1 + draw.below(1000);
    command.session = {
      clientId: draw.pick(['c', '3f1c2d9e-4a7b-4c1d-9e8f-0a1b2c3d4e5f', 'ü']),
      sequence,
      firstUnacknowledgedSequence: 1 + draw.below(sequence),
    };
  } else if (draw.chance(0.1)) {
    command.session = undefined;
  }
  return { protocolVersion: clientProtocolVersion, requestId: draw.below(2 ** 31), kind: 'command', command };
}

function validGetRequest(draw: Draw): Tree {
  return {
    protocolVersion: clientProtocolVersion,
    requestId: draw.below(2 ** 31),
    kind: 'read',
    query: { type: 'get', key: bytes(draw) },
    consistency: draw.pick(['linearizable', 'serializable']),
    ...(draw.chance(0.3) ? { minRevision: draw.below(2 ** 31) } : {}),
  };
}

function keyValue(draw: Draw): Tree {
  return {
    key: bytes(draw),
    value: bytes(draw),
    createRevision: draw.below(100),
    modRevision: draw.below(100),
    version: draw.below(100),
  };
}

function validPutResponse(draw: Draw): Tree {
  const previous = draw.chance(0.5) ? null : keyValue(draw);
  return {
    protocolVersion: clientProtocolVersion,
    requestId: draw.chance(0.05) ? null : draw.below(2 ** 31),
    ok: true,
    result: {
      kind: 'command',
      index: draw.below(10_000),
      result: { ok: true, revision: 9, result: { type: 'put', previous } },
    },
  };
}

function validGetResponse(draw: Draw): Tree {
  const found = draw.chance(0.3) ? null : keyValue(draw);
  return {
    protocolVersion: clientProtocolVersion,
    requestId: draw.below(2 ** 31),
    ok: true,
    result: {
      kind: 'read',
      index: draw.below(10_000),
      result: { ok: true, revision: 9, result: { type: 'get', keyValue: found } },
    },
  };
}

/** Every object inside `tree` (itself included), so a mutation can land at any depth. */
function objectsIn(tree: Tree): Tree[] {
  const found: Tree[] = [tree];
  for (const value of Object.values(tree)) {
    if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
      found.push(...objectsIn(value as Tree));
    }
  }
  return found;
}

/**
 * One to three edits at random depths: replace a value, delete a key, give an object another
 * prototype (null, a class, an array's), or add an unknown key.
 */
function mutate(draw: Draw, tree: Tree): unknown {
  if (draw.chance(0.15)) return tree;
  if (draw.chance(0.03)) return draw.pick(oddValues)();
  const edits = 1 + draw.below(3);
  for (let edit = 0; edit < edits; edit += 1) {
    const target = draw.pick(objectsIn(tree));
    const keys = Object.keys(target);
    const roll = draw.below(10);
    if (roll < 5 && keys.length > 0) target[draw.pick(keys)] = draw.pick(oddValues)();
    else if (roll < 7 && keys.length > 0) delete target[draw.pick(keys)];
    else if (roll < 8) Object.setPrototypeOf(target, draw.pick([null, Plain.prototype, Array.prototype]));
    else target[draw.pick(['extra', 'previous', 'session', 'returnPrevious', 'ok'])] = draw.pick(oddValues)();
  }
  return tree;
}

/**
 * The decoders as they were before the fast paths (MessagePack, version, schema), with the same
 * result shape: a refused frame carries the same error code, message and requestId.
 */
function schemaOnlyDecode<T>(frame: Uint8Array, schema: z.ZodType<T>) {
  const unpacked = unpackBounded(frame, clientFrameBytesMax);
  if (!unpacked.ok) return { ok: false as const, error: unpacked.error, requestId: null };
  const requestId = readableRequestId(unpacked.value);
  const versionError = checkVersion(unpacked.value, clientProtocolVersion);
  if (versionError !== null) return { ok: false as const, error: versionError, requestId };
  const parsed = schema.safeParse(unpacked.value);
  if (parsed.success) return { ok: true as const, value: parsed.data };
  return { ok: false as const, error: decodeError('invalid-frame', describeIssues(parsed.error)), requestId };
}

function readableRequestId(value: unknown): number | null {
  if (typeof value !== 'object' || value === null || !('requestId' in value)) return null;
  const requestId = value.requestId;
  return Number.isSafeInteger(requestId) && (requestId as number) >= 0 ? (requestId as number) : null;
}

function expectSameRequestDecode(frame: Uint8Array): void {
  const fast: ClientRequestDecodeResult = decodeClientRequest(frame);
  const reference = schemaOnlyDecode(frame, clientRequestSchema);
  if (reference.ok) expect(fast).toStrictEqual({ ok: true, request: reference.value });
  else expect(fast).toStrictEqual(reference);
}

function expectSameResponseDecode(frame: Uint8Array): void {
  const fast: ClientResponseDecodeResult = decodeClientResponse(frame);
  const reference = schemaOnlyDecode(frame, clientResponseSchema);
  if (reference.ok) expect(fast).toStrictEqual({ ok: true, response: reference.value });
  else expect(fast).toStrictEqual(reference);
}

describe(`client decode fast paths agree with the zod schemas (seed ${seed})`, () => {
  it(`request check: ${rounds} seeded mutations of put and get requests`, () => {
    console.log(`client-fast-path request seed=${seed}`);
    const draw = new Draw(seed);
    let accepted = 0;
    for (let round = 0; round < rounds; round += 1) {
      const valid = draw.chance(0.5) ? validPutRequest(draw) : validGetRequest(draw);
      const input = mutate(draw, valid);
      if (agreesWithSchema(input, isCommonClientRequest, clientRequestSchema)) accepted += 1;
    }
    expect(accepted).toBeGreaterThan(rounds / 10);
  });

  it(`response check: ${rounds} seeded mutations of put and get responses`, () => {
    console.log(`client-fast-path response seed=${seed + 1}`);
    const draw = new Draw(seed + 1);
    let accepted = 0;
    for (let round = 0; round < rounds; round += 1) {
      const valid = draw.chance(0.5) ? validPutResponse(draw) : validGetResponse(draw);
      const input = mutate(draw, valid);
      if (agreesWithSchema(input, isCommonClientResponse, clientResponseSchema)) accepted += 1;
    }
    expect(accepted).toBeGreaterThan(rounds / 10);
  });

  it(`whole decoders: the same result as the schema-only decoder on ${rounds / 4} mutated frames each`, () => {
    console.log(`client-fast-path frames seed=${seed + 2}`);
    const draw = new Draw(seed + 2);
    for (let round = 0; round < rounds / 4; round += 1) {
      const request = mutate(draw, draw.chance(0.5) ? validPutRequest(draw) : validGetRequest(draw));
      expectSameRequestDecode(rawPackr.pack(request));
      const response = mutate(draw, draw.chance(0.5) ? validPutResponse(draw) : validGetResponse(draw));
      expectSameResponseDecode(rawPackr.pack(response));
    }
  });

  it('every well-formed put and get takes the fast path, as encoded on the wire', () => {
    const draw = new Draw(seed + 3);
    for (let round = 0; round < 200; round += 1) {
      const { protocolVersion: _v, requestId: _r, ...put } = validPutRequest(draw);
      const { protocolVersion: _w, requestId: _s, ...get } = validGetRequest(draw);
      for (const body of [put, get]) {
        const unpacked = unpackBounded(encodeClientRequest(round, body as never), clientFrameBytesMax);
        expect(unpacked.ok && isCommonClientRequest(unpacked.value)).toBe(true);
      }
      for (const response of [validPutResponse(draw), validGetResponse(draw)]) {
        const { protocolVersion: _x, requestId, ...body } = response;
        const frame = encodeClientResponse(requestId as number | null, body as never);
        const unpacked = unpackBounded(frame, clientFrameBytesMax);
        expect(unpacked.ok && isCommonClientResponse(unpacked.value)).toBe(true);
      }
    }
  });
});

describe('client decode fast paths: edge cases get exactly the schema answer', () => {
  const put = (overrides: Tree = {}, operation: Tree = {}, session?: unknown): Tree => ({
    protocolVersion: clientProtocolVersion,
    requestId: 11,
    kind: 'command',
    command: {
      operation: { type: 'put', key: Uint8Array.of(1), value: Uint8Array.of(2), ...operation },
      ...(session === undefined ? {} : { session }),
    },
    ...overrides,
  });

  it.each([
    ['an extra envelope key (strict: refused)', put({ extra: 1 })],
    ['an extra operation key (stripped by the KV schema)', put({}, { ttl: 5 })],
    ['a negative requestId', put({ requestId: -1 })],
    ['a fractional requestId', put({ requestId: 1.5 })],
    ['a requestId beyond 2^53', put({ requestId: 2 ** 53 })],
    ['another protocol version', put({ protocolVersion: 2 })],
    ['a string key', put({}, { key: 'k' })],
    ['a missing value', put({}, { value: undefined })],
    ['a non-boolean returnPrevious', put({}, { returnPrevious: 1 })],
    ['an explicitly undefined returnPrevious', put({}, { returnPrevious: undefined })],
    [
      'a session whose firstUnacknowledgedSequence exceeds its sequence',
      put({}, {}, { clientId: 'c', sequence: 2, firstUnacknowledgedSequence: 3 }),
    ],
    [
      'a session with an empty client id',
      put({}, {}, { clientId: '', sequence: 2, firstUnacknowledgedSequence: 1 }),
    ],
    [
      'a session with sequence 0',
      put({}, {}, { clientId: 'c', sequence: 0, firstUnacknowledgedSequence: 0 }),
    ],
    [
      'a session with an extra key (stripped)',
      put({}, {}, { clientId: 'c', sequence: 2, firstUnacknowledgedSequence: 1, at: 0 }),
    ],
    ['a delete (left to zod)', put({}, { type: 'delete', value: undefined })],
    [
      'a get read with consistency eventual',
      {
        protocolVersion: 1,
        requestId: 3,
        kind: 'read',
        query: { type: 'get', key: Uint8Array.of(1) },
        consistency: 'eventual',
      },
    ],
    [
      'a get read with an extra query key (stripped)',
      {
        protocolVersion: 1,
        requestId: 3,
        kind: 'read',
        query: { type: 'get', key: Uint8Array.of(1), limit: 1 },
        consistency: 'linearizable',
      },
    ],
    [
      'a get read with a negative minRevision',
      {
        protocolVersion: 1,
        requestId: 3,
        kind: 'read',
        query: { type: 'get', key: Uint8Array.of(1) },
        consistency: 'linearizable',
        minRevision: -1,
      },
    ],
    [
      'a get read with a fractional minRevision',
      {
        protocolVersion: 1,
        requestId: 3,
        kind: 'read',
        query: { type: 'get', key: Uint8Array.of(1) },
        consistency: 'serializable',
        minRevision: 1.5,
      },
    ],
    [
      'a range read (left to zod)',
      {
        protocolVersion: 1,
        requestId: 3,
        kind: 'read',
        query: { type: 'range', start: Uint8Array.of(1), end: null, limit: 5 },
        consistency: 'serializable',
      },
    ],
  ])('request with %s', (_label, request) => {
    expectSameRequestDecode(rawPackr.pack(request));
    agreesWithSchema(request, isCommonClientRequest, clientRequestSchema);
  });

  it('a key and value above the KV limits pass both checks alike (limits are the KV state machine’s)', () => {
    const key = new Uint8Array(keyBytesMax + 1);
    const value = new Uint8Array(valueBytesMax + 1);
    const request = put({}, { key, value });
    expect(isCommonClientRequest(request)).toBe(true);
    const parsed = clientRequestSchema.parse(request);
    if (parsed.kind !== 'command' || parsed.command.operation.type !== 'put') throw new Error('not a put');
    expect(parsed.command.operation.key).toBe(key);
    expect(parsed.command.operation.value).toBe(value);
    const frame = rawPackr.pack(request);
    const decoded = decodeClientRequest(frame);
    const reference = schemaOnlyDecode(frame, clientRequestSchema);
    expect(decoded.ok && reference.ok).toBe(true);
    if (
      decoded.ok &&
      decoded.request.kind === 'command' &&
      decoded.request.command.operation.type === 'put'
    ) {
      expect(decoded.request.command.operation.value.byteLength).toBe(valueBytesMax + 1);
    }
  });

  it('a key given as a Node Buffer is left to zod, which turns it into a plain Uint8Array view', () => {
    const request = put({}, { key: Buffer.from('k') });
    expect(isCommonClientRequest(request)).toBe(false);
    const parsed = clientRequestSchema.parse(request);
    expect(
      parsed.kind === 'command' &&
        parsed.command.operation.type === 'put' &&
        parsed.command.operation.key.constructor,
    ).toBe(Uint8Array);
  });

  const putResponse = (result: Tree, envelope: Tree = {}): Tree => ({
    protocolVersion: clientProtocolVersion,
    requestId: 4,
    ok: true,
    result: { kind: 'command', index: 3, result: { ok: true, revision: 3, result } },
    ...envelope,
  });
  const entry = {
    key: Uint8Array.of(1),
    value: Uint8Array.of(2),
    createRevision: 1,
    modRevision: 2,
    version: 1,
  };

  it.each([
    ['a previous key-value', putResponse({ type: 'put', previous: entry })],
    ['a missing previous', putResponse({ type: 'put' })],
    [
      'a key-value with a negative version',
      putResponse({ type: 'put', previous: { ...entry, version: -1 } }),
    ],
    [
      'a key-value with an extra key (strict: refused)',
      putResponse({ type: 'put', previous: { ...entry, lease: 0 } }),
    ],
    ['a missing requestId', putResponse({ type: 'put', previous: null }, { requestId: undefined })],
    ['a null requestId', putResponse({ type: 'put', previous: null }, { requestId: null })],
    ['a get result inside a command (left to zod)', putResponse({ type: 'get', keyValue: null })],
    [
      'a failed KV result (left to zod)',
      {
        protocolVersion: 1,
        requestId: 4,
        ok: true,
        result: {
          kind: 'command',
          index: 3,
          result: { ok: false, revision: 3, error: { code: 'key-too-large', message: 'k' } },
        },
      },
    ],
    [
      'a not-leader error (left to zod)',
      {
        protocolVersion: 1,
        requestId: 4,
        ok: false,
        error: { code: 'not-leader', leaderId: 'n2', leaderClientAddress: null, message: 'm' },
      },
    ],
    ['another protocol version', putResponse({ type: 'put', previous: null }, { protocolVersion: 3 })],
  ])('response with %s', (_label, response) => {
    expectSameResponseDecode(rawPackr.pack(response));
    agreesWithSchema(response, isCommonClientResponse, clientResponseSchema);
  });
});
