// The client protocol: request and response envelopes of the client endpoint, their types and zod
// schemas. KV payloads use @raftkv/kv's own types and schemas. Strict objects; no I/O here.
import {
  type KvCommand,
  type KvErrorCode,
  type KvQuery,
  type KvResult,
  kvCommandSchema,
  kvQuerySchema,
  type MemberAlarm,
} from '@raftkv/kv';
import type { Configuration, LogIndex, MembershipChange, NodeId, NodeStatus } from '@raftkv/raft';
import { z } from 'zod';
import { kvErrorCodes, kvResultSchema, memberAlarmSchema, memberAlarmsMax } from './kv-result-schema.js';
import { addressLengthMax, clientProtocolVersion, errorMessageLengthMax } from './limits.js';
import { configurationSchema, nodeIdSchema } from './peer-schemas.js';

/** Chosen by the client socket, echoed in the response; a non-negative safe integer. */
export type RequestId = number;

/**
 * 'linearizable' reads go through a read index confirmed by the leader (thesis §6.4), served by
 * whichever member received them (a follower asks the leader for it, §6.4.1); 'serializable' reads
 * are served from the receiving node's applied state and may be stale.
 */
export type ReadConsistency = 'linearizable' | 'serializable';

export type ClientRequestBody =
  /** A KV write; its optional session makes retries apply once (thesis §6.3). */
  | { readonly kind: 'command'; readonly command: KvCommand }
  /**
   * `minRevision`: the member first waits (bounded by its request timeout) until its state machine
   * has applied KV revision ≥ minRevision, e.g. a write's revision: read-your-writes on any member.
   */
  | {
      readonly kind: 'read';
      readonly query: KvQuery;
      readonly consistency: ReadConsistency;
      readonly minRevision?: number;
    }
  | { readonly kind: 'status' }
  | { readonly kind: 'members' }
  | { readonly kind: 'changeMembership'; readonly change: MembershipChange }
  | { readonly kind: 'transferLeadership'; readonly to: NodeId };

export type ClientRequestKind = ClientRequestBody['kind'];

export type ClientRequest = {
  readonly protocolVersion: number;
  readonly requestId: RequestId;
} & ClientRequestBody;

/**
 * An alarm a node has raised locally: 'no-space' when its disk ('disk-full') or its LMDB map
 * ('map-full') refused a write; its actor has stopped until the alarm clears. The member records it
 * in the replicated state too (a MemberAlarm), where it makes the whole cluster refuse writes that
 * add data (docs/reliability.md "Full disks").
 */
export interface NodeAlarm {
  readonly alarm: 'no-space';
  readonly reason: 'disk-full' | 'map-full';
  /** ISO 8601 time it was raised. */
  readonly since: string;
  readonly message: string;
}

/** What a successful request returns, by request kind. */
export type ClientResult =
  /** The state machine's result for the command, applied at log `index` (may be a typed KV error). */
  | { readonly kind: 'command'; readonly index: LogIndex; readonly result: KvResult }
  /** The query's result against state applied up to `index`. */
  | { readonly kind: 'read'; readonly index: LogIndex; readonly result: KvResult }
  /**
   * `alarms`: the node's own raised alarms; `clusterAlarms`: the cluster's active alarms as this node
   * has applied them (etcd's `alarm list`). Absent from nodes older than each.
   */
  | {
      readonly kind: 'status';
      readonly status: NodeStatus;
      readonly alarms?: readonly NodeAlarm[];
      readonly clusterAlarms?: readonly MemberAlarm[];
    }
  | {
      readonly kind: 'members';
      readonly configuration: Configuration;
      readonly leaderId: NodeId | null;
    }
  /** The configuration entry was committed at `index` (thesis ch. 4). */
  | { readonly kind: 'changeMembership'; readonly index: LogIndex }
  /** The leader accepted the transfer and sent or will send TimeoutNow (thesis §3.10). */
  | { readonly kind: 'transferLeadership' };

/** Why the cluster declined a request that was well-formed (the core's DropReason and kin). */
export type RejectionReason =
  | 'leadership-transfer-in-progress'
  | 'membership-change-in-progress'
  | 'invalid-membership-change'
  | 'no-leader-commit-in-term'
  /** A different entry was committed at the proposal's index: definitely not applied; retry. */
  | 'superseded'
  /** The node lost leadership before the read was confirmed; retry. */
  | 'leadership-lost'
  | 'unknown-member'
  | 'not-a-voter'
  | 'already-leader';

/**
 * A typed failure. KV codes mean the node refused the request before it reached the log; a KV
 * error the state machine produced while applying comes back as an ok 'command' result instead.
 */
export type ClientError =
  | {
      readonly code: 'not-leader';
      readonly leaderId: NodeId | null;
      /** Where the leader serves clients, when the receiving node knows it. */
      readonly leaderClientAddress: string | null;
      readonly message: string;
    }
  | { readonly code: 'bad-request'; readonly message: string }
  /** The node gave up waiting; for a command the outcome is unknown (never reported as failed). */
  | { readonly code: 'timeout'; readonly message: string }
  /** A read's minRevision was not applied on this member within its request timeout; not served. */
  | { readonly code: 'revision-not-reached'; readonly message: string }
  /** A write may or may not have been applied (e.g. leadership lost after proposing). */
  | { readonly code: 'outcome-unknown'; readonly message: string }
  | { readonly code: 'overloaded'; readonly message: string }
  | { readonly code: 'shutting-down'; readonly message: string }
  | { readonly code: 'unsupported-version'; readonly supportedVersion: number; readonly message: string }
  /** The result would not fit in one client frame (clientFrameBytesMax): ask for less. */
  | { readonly code: 'response-too-large'; readonly message: string }
  /**
   * 'no-space' (a KvErrorCode too): the receiving member raised its own no-space alarm, or a member's
   * no-space alarm is active in the cluster and the request would add data; it was never proposed
   * (docs/reliability.md "Full disks").
   */
  | { readonly code: 'rejected'; readonly reason: RejectionReason; readonly message: string }
  | { readonly code: KvErrorCode; readonly message: string };

export type ClientErrorCode = ClientError['code'];

export type ClientResponseBody =
  | { readonly ok: true; readonly result: ClientResult }
  | { readonly ok: false; readonly error: ClientError };

export type ClientResponse = {
  readonly protocolVersion: number;
  /** Null only when the request was too malformed to read its requestId. */
  readonly requestId: RequestId | null;
} & ClientResponseBody;

const requestIdSchema = z.int().nonnegative();
const logIndexSchema = z.int().nonnegative();
const messageSchema = z.string().max(errorMessageLengthMax);

const membershipChangeSchema: z.ZodType<MembershipChange> = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('addLearner'),
    id: nodeIdSchema,
    address: z.string().max(addressLengthMax),
  }),
  z.strictObject({ type: z.literal('promoteLearner'), id: nodeIdSchema }),
  z.strictObject({ type: z.literal('removeMember'), id: nodeIdSchema }),
]);

const requestEnvelope = { protocolVersion: z.literal(clientProtocolVersion), requestId: requestIdSchema };

export const clientRequestSchema: z.ZodType<ClientRequest> = z.discriminatedUnion('kind', [
  z.strictObject({ ...requestEnvelope, kind: z.literal('command'), command: kvCommandSchema }),
  z.strictObject({
    ...requestEnvelope,
    kind: z.literal('read'),
    query: kvQuerySchema,
    consistency: z.enum(['linearizable', 'serializable']),
    minRevision: z.int().nonnegative().optional(),
  }),
  z.strictObject({ ...requestEnvelope, kind: z.literal('status') }),
  z.strictObject({ ...requestEnvelope, kind: z.literal('members') }),
  z.strictObject({ ...requestEnvelope, kind: z.literal('changeMembership'), change: membershipChangeSchema }),
  z.strictObject({ ...requestEnvelope, kind: z.literal('transferLeadership'), to: nodeIdSchema }),
]);

const followerProgressSchema = z.strictObject({
  matchIndex: logIndexSchema,
  nextIndex: logIndexSchema,
  state: z.enum(['probe', 'replicate', 'snapshot']),
  inflightMessages: z.int().nonnegative(),
  recentlyActive: z.boolean(),
});

const nodeStatusSchema: z.ZodType<NodeStatus> = z.strictObject({
  id: nodeIdSchema,
  role: z.enum(['follower', 'preCandidate', 'candidate', 'leader']),
  term: z.int().nonnegative(),
  leaderId: nodeIdSchema.nullable(),
  votedFor: nodeIdSchema.nullable(),
  commitIndex: logIndexSchema,
  appliedIndex: logIndexSchema,
  firstIndex: logIndexSchema,
  lastIndex: logIndexSchema,
  configuration: configurationSchema,
  progress: z.record(z.string(), followerProgressSchema).nullable(),
  leadershipTransferTarget: nodeIdSchema.nullable(),
});

const nodeAlarmSchema = z.strictObject({
  alarm: z.literal('no-space'),
  reason: z.enum(['disk-full', 'map-full']),
  since: z.string().max(64),
  message: messageSchema,
});

const clientResultSchema: z.ZodType<ClientResult> = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('command'), index: logIndexSchema, result: kvResultSchema }),
  z.strictObject({ kind: z.literal('read'), index: logIndexSchema, result: kvResultSchema }),
  z.strictObject({
    kind: z.literal('status'),
    status: nodeStatusSchema,
    alarms: z.array(nodeAlarmSchema).max(8).optional(),
    clusterAlarms: z.array(memberAlarmSchema).max(memberAlarmsMax).optional(),
  }),
  z.strictObject({
    kind: z.literal('members'),
    configuration: configurationSchema,
    leaderId: nodeIdSchema.nullable(),
  }),
  z.strictObject({ kind: z.literal('changeMembership'), index: logIndexSchema }),
  z.strictObject({ kind: z.literal('transferLeadership') }),
]);

const rejectionReasons = [
  'leadership-transfer-in-progress',
  'membership-change-in-progress',
  'invalid-membership-change',
  'no-leader-commit-in-term',
  'superseded',
  'leadership-lost',
  'unknown-member',
  'not-a-voter',
  'already-leader',
] as const satisfies readonly RejectionReason[];

const clientErrorSchema: z.ZodType<ClientError> = z.discriminatedUnion('code', [
  z.strictObject({
    code: z.literal('not-leader'),
    leaderId: nodeIdSchema.nullable(),
    leaderClientAddress: z.string().max(addressLengthMax).nullable(),
    message: messageSchema,
  }),
  z.strictObject({
    code: z.enum([
      'bad-request',
      'timeout',
      'revision-not-reached',
      'outcome-unknown',
      'overloaded',
      'shutting-down',
      'response-too-large',
    ]),
    message: messageSchema,
  }),
  z.strictObject({
    code: z.literal('unsupported-version'),
    supportedVersion: z.int(),
    message: messageSchema,
  }),
  z.strictObject({ code: z.literal('rejected'), reason: z.enum(rejectionReasons), message: messageSchema }),
  z.strictObject({ code: z.enum(kvErrorCodes), message: messageSchema }),
]);

const responseEnvelope = {
  protocolVersion: z.literal(clientProtocolVersion),
  requestId: requestIdSchema.nullable(),
};

export const clientResponseSchema: z.ZodType<ClientResponse> = z.discriminatedUnion('ok', [
  z.strictObject({ ...responseEnvelope, ok: z.literal(true), result: clientResultSchema }),
  z.strictObject({ ...responseEnvelope, ok: z.literal(false), error: clientErrorSchema }),
]);
