// Client frame codec: round trips of every request and response kind, and typed rejection (never a
// throw) that keeps the requestId whenever it could be read, so the endpoint can still answer.
import type { KvCommand } from '@raftkv/kv';
import { type NodeStatus, nodeId } from '@raftkv/raft';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  type ClientRequestBody,
  type ClientResponseBody,
  clientErrorForDecodeError,
  clientFrameBytesMax,
  clientProtocolVersion,
  decodeClientRequest,
  decodeClientResponse,
  encodeClientRequest,
  encodeClientResponse,
} from '../src/index.js';
import { MessageGenerator } from './generate-messages.js';

const rawPackr = new Packr({ useRecords: false });
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const putCommand: KvCommand = {
  operation: { type: 'put', key: bytes('a'), value: bytes('1') },
  session: { clientId: 'c1', sequence: 3, firstUnacknowledgedSequence: 2 },
};

const requests: ClientRequestBody[] = [
  { kind: 'command', command: putCommand },
  {
    kind: 'command',
    command: {
      operation: {
        type: 'transaction',
        compares: [{ key: bytes('a'), target: 'version', operator: 'greater', value: 0 }],
        success: [{ type: 'delete', key: bytes('a') }],
        failure: [{ type: 'range', start: bytes('a'), end: null, limit: 10 }],
      },
    },
  },
  { kind: 'read', query: { type: 'get', key: bytes('a') }, consistency: 'linearizable' },
  {
    kind: 'read',
    query: { type: 'range', start: bytes('a'), end: bytes('b'), limit: 5 },
    consistency: 'serializable',
  },
  { kind: 'status' },
  { kind: 'members' },
  {
    kind: 'changeMembership',
    change: { type: 'addLearner', id: nodeId('n4'), address: 'tcp://127.0.0.1:7004' },
  },
  { kind: 'changeMembership', change: { type: 'removeMember', id: nodeId('n2') } },
  { kind: 'transferLeadership', to: nodeId('n3') },
];

const status: NodeStatus = {
  id: nodeId('n1'),
  role: 'leader',
  term: 4,
  leaderId: nodeId('n1'),
  votedFor: nodeId('n1'),
  commitIndex: 10,
  appliedIndex: 9,
  firstIndex: 1,
  lastIndex: 11,
  configuration: { members: [{ id: nodeId('n1'), role: 'voter', address: 'tcp://127.0.0.1:7001' }] },
  progress: {
    n2: { matchIndex: 9, nextIndex: 10, state: 'replicate', inflightMessages: 1, recentlyActive: true },
  },
  leadershipTransferTarget: null,
};

const keyValue = { key: bytes('a'), value: bytes('1'), createRevision: 2, modRevision: 5, version: 3 };

const responses: ClientResponseBody[] = [
  {
    ok: true,
    result: {
      kind: 'command',
      index: 12,
      result: { ok: true, revision: 5, result: { type: 'put', previous: keyValue } },
    },
  },
  {
    ok: true,
    result: {
      kind: 'command',
      index: 13,
      result: { ok: false, revision: 5, error: { code: 'session-expired', message: 'session c1 expired' } },
    },
  },
  {
    ok: true,
    result: {
      kind: 'read',
      index: 13,
      result: { ok: true, revision: 5, result: { type: 'range', keyValues: [keyValue], more: true } },
    },
  },
  {
    ok: true,
    result: {
      kind: 'command',
      index: 14,
      result: {
        ok: true,
        revision: 6,
        result: { type: 'transaction', succeeded: false, results: [{ type: 'get', keyValue: null }] },
      },
    },
  },
  { ok: true, result: { kind: 'status', status } },
  { ok: true, result: { kind: 'members', configuration: status.configuration, leaderId: null } },
  { ok: true, result: { kind: 'changeMembership', index: 20 } },
  { ok: true, result: { kind: 'transferLeadership' } },
  {
    ok: false,
    error: {
      code: 'not-leader',
      leaderId: nodeId('n2'),
      leaderClientAddress: 'tcp://127.0.0.1:8002',
      message: 'n1 is not the leader',
    },
  },
  {
    ok: false,
    error: { code: 'not-leader', leaderId: null, leaderClientAddress: null, message: 'no leader known' },
  },
  { ok: false, error: { code: 'bad-request', message: 'nope' } },
  { ok: false, error: { code: 'timeout', message: 'no commit within 5000 ms' } },
  { ok: false, error: { code: 'outcome-unknown', message: 'leadership lost after proposing' } },
  { ok: false, error: { code: 'overloaded', message: 'mailbox full' } },
  { ok: false, error: { code: 'shutting-down', message: 'n1 is stopping' } },
  { ok: false, error: { code: 'unsupported-version', supportedVersion: 1, message: 'version 9' } },
  { ok: false, error: { code: 'response-too-large', message: 'narrow the range' } },
  {
    ok: false,
    error: { code: 'rejected', reason: 'membership-change-in-progress', message: 'one at a time' },
  },
  { ok: false, error: { code: 'key-too-large', message: 'key of 5000 bytes' } },
];

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
