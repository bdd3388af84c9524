// Valid client requests and responses of every kind: the round-trip tests' cases and the fuzz tests'
// seeds for mutation.
import type { KvCommand } from '@raftkv/kv';
import { type NodeStatus, nodeId } from '@raftkv/raft';
import type { ClientRequestBody, ClientResponseBody } from '../src/index.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const putCommand: KvCommand = {
  operation: { type: 'put', key: bytes('a'), value: bytes('1') },
  session: { clientId: 'c1', sequence: 3, firstUnacknowledgedSequence: 2 },
};

export const requests: ClientRequestBody[] = [
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
  {
    kind: 'command',
    command: {
      operation: {
        type: 'alarm',
        action: 'activate',
        alarm: 'no-space',
        member: 'n3',
        reason: 'disk-full',
        since: '2026-12-06T12:00:00.000Z',
      },
    },
  },
  {
    kind: 'command',
    command: { operation: { type: 'alarm', action: 'deactivate', alarm: 'no-space', member: null } },
  },
  { kind: 'read', query: { type: 'get', key: bytes('a') }, consistency: 'linearizable' },
  { kind: 'read', query: { type: 'get', key: bytes('a') }, consistency: 'serializable', minRevision: 7 },
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

export const responses: ClientResponseBody[] = [
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
  {
    ok: true,
    result: {
      kind: 'status',
      status,
      alarms: [{ alarm: 'no-space', reason: 'map-full', since: '2026-12-06T12:00:00.000Z', message: 'full' }],
      clusterAlarms: [
        { member: 'n3', alarm: 'no-space', reason: 'map-full', since: '2026-12-06T12:00:00.000Z' },
      ],
    },
  },
  {
    ok: true,
    result: {
      kind: 'command',
      index: 15,
      result: {
        ok: true,
        revision: 6,
        result: {
          type: 'alarm',
          alarms: [
            { member: 'n3', alarm: 'no-space', reason: 'disk-full', since: '2026-12-06T12:00:00.000Z' },
          ],
        },
      },
    },
  },
  {
    ok: true,
    result: {
      kind: 'command',
      index: 16,
      result: {
        ok: false,
        revision: 6,
        error: { code: 'no-space', message: 'a no-space alarm is active: n3' },
      },
    },
  },
  { ok: false, error: { code: 'no-space', message: 'a no-space alarm is active: n3' } },
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
  { ok: false, error: { code: 'revision-not-reached', message: 'applied revision 3 < 7' } },
  {
    ok: false,
    error: { code: 'rejected', reason: 'membership-change-in-progress', message: 'one at a time' },
  },
  { ok: false, error: { code: 'key-too-large', message: 'key of 5000 bytes' } },
];
