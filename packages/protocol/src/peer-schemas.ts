// zod schemas for the peer messages and frame of @raftkv/raft (types.ts is the contract), and the rules
// they refine with (shared with the decode fast path). Strict: an unknown key is rejected. No I/O here.
import type {
  Configuration,
  Entry,
  LogIndex,
  Member,
  Message,
  NodeId,
  SnapshotMetadata,
  Term,
} from '@raftkv/raft';
import { z } from 'zod';
import { isBoundedBytes } from './internal/plain-shapes.js';
import {
  addressLengthMax,
  entriesPerMessageMax,
  entryDataBytesMax,
  membersPerConfigurationMax,
  messagesPerFrameMax,
  nodeIdPattern,
  peerProtocolVersion,
  snapshotChunkBytesMax,
} from './limits.js';

/** What nodeIdSchema accepts (the fast path asks the very same question). */
export const isNodeId = (value: unknown): value is NodeId =>
  typeof value === 'string' && nodeIdPattern.test(value);

export const nodeIdSchema: z.ZodType<NodeId> = z.custom<NodeId>(isNodeId, {
  message: `expected a node id matching ${nodeIdPattern}`,
});

/** Terms, indexes, offsets and sequence numbers: non-negative safe integers (no floats, no -1). */
const counterSchema = z.int().nonnegative();
const termSchema: z.ZodType<Term> = counterSchema;
const logIndexSchema: z.ZodType<LogIndex> = counterSchema;

const boundedBytesSchema = (bytesMax: number): z.ZodType<Uint8Array> =>
  z.custom<Uint8Array>((value) => isBoundedBytes(value, bytesMax), {
    message: `expected bytes (at most ${bytesMax})`,
  });

export const memberSchema: z.ZodType<Member> = z.strictObject({
  id: nodeIdSchema,
  role: z.enum(['voter', 'learner']),
  address: z.string().max(addressLengthMax),
});

export const configurationSchema: z.ZodType<Configuration> = z
  .strictObject({ members: z.array(memberSchema).max(membersPerConfigurationMax) })
  .refine(hasUniqueMemberIds, { message: 'member ids must be unique' });

/** A configuration names each server once (thesis ch. 4). */
export function hasUniqueMemberIds(configuration: Configuration): boolean {
  return new Set(configuration.members.map((member) => member.id)).size === configuration.members.length;
}

export const entrySchema: z.ZodType<Entry> = z.discriminatedUnion('kind', [
  z.strictObject({
    index: logIndexSchema,
    term: termSchema,
    kind: z.literal('command'),
    data: boundedBytesSchema(entryDataBytesMax),
  }),
  z.strictObject({
    index: logIndexSchema,
    term: termSchema,
    kind: z.literal('configuration'),
    configuration: configurationSchema,
  }),
]);

export const snapshotMetadataSchema: z.ZodType<SnapshotMetadata> = z.strictObject({
  index: logIndexSchema,
  term: termSchema,
  configuration: configurationSchema,
});

const header = { term: termSchema, from: nodeIdSchema, to: nodeIdSchema };

const requestVoteSchema = z.strictObject({
  ...header,
  type: z.literal('RequestVote'),
  lastLogIndex: logIndexSchema,
  lastLogTerm: termSchema,
  preVote: z.boolean(),
  leadershipTransfer: z.boolean(),
});

const requestVoteResponseSchema = z.strictObject({
  ...header,
  type: z.literal('RequestVoteResponse'),
  voteGranted: z.boolean(),
  preVote: z.boolean(),
});

const appendEntriesSchema = z
  .strictObject({
    ...header,
    type: z.literal('AppendEntries'),
    prevLogIndex: logIndexSchema,
    prevLogTerm: termSchema,
    entries: z.array(entrySchema).max(entriesPerMessageMax),
    leaderCommit: logIndexSchema,
    sequence: counterSchema,
  })
  .refine(hasLeaderShapedLog, {
    message: 'entries must follow prevLogIndex contiguously with non-decreasing terms ≤ the message term',
  });

/**
 * A leader sends a contiguous slice of its own log (paper §5.3): indexes prevLogIndex+1, +2, …,
 * terms never decreasing (Log Matching) and never above the leader's current term (§5.1).
 */
export function hasLeaderShapedLog(message: {
  readonly term: Term;
  readonly prevLogIndex: LogIndex;
  readonly prevLogTerm: Term;
  readonly entries: readonly Entry[];
}): boolean {
  let previousTerm = message.prevLogTerm;
  if (previousTerm > message.term) return false;
  for (let position = 0; position < message.entries.length; position += 1) {
    const entry = message.entries[position]!;
    if (entry.index !== message.prevLogIndex + 1 + position) return false;
    if (entry.term < previousTerm || entry.term > message.term) return false;
    previousTerm = entry.term;
  }
  return true;
}

const appendEntriesResponseSchema = z.strictObject({
  ...header,
  type: z.literal('AppendEntriesResponse'),
  success: z.boolean(),
  matchIndex: logIndexSchema,
  lastLogIndex: logIndexSchema,
  conflictTerm: termSchema,
  conflictIndex: logIndexSchema,
  sequence: counterSchema,
});

const installSnapshotSchema = z.strictObject({
  ...header,
  type: z.literal('InstallSnapshot'),
  metadata: snapshotMetadataSchema,
  offset: counterSchema,
  data: boundedBytesSchema(snapshotChunkBytesMax),
  done: z.boolean(),
  sequence: counterSchema,
});

const installSnapshotResponseSchema = z.strictObject({
  ...header,
  type: z.literal('InstallSnapshotResponse'),
  snapshotIndex: logIndexSchema,
  nextOffset: counterSchema,
  done: z.boolean(),
  success: z.boolean(),
  sequence: counterSchema,
});

const timeoutNowSchema = z.strictObject({ ...header, type: z.literal('TimeoutNow') });

/** Thesis §6.4.1: a follower asks the leader for a read index; `request` names the batch. */
const readIndexSchema = z.strictObject({ ...header, type: z.literal('ReadIndex'), request: counterSchema });

const readIndexResponseSchema = z.strictObject({
  ...header,
  type: z.literal('ReadIndexResponse'),
  request: counterSchema,
  index: logIndexSchema,
});

/** Every peer Message variant of @raftkv/raft, discriminated by `type`. */
export const messageSchema: z.ZodType<Message> = z.discriminatedUnion('type', [
  requestVoteSchema,
  requestVoteResponseSchema,
  appendEntriesSchema,
  appendEntriesResponseSchema,
  installSnapshotSchema,
  installSnapshotResponseSchema,
  timeoutNowSchema,
  readIndexSchema,
  readIndexResponseSchema,
]);

/** The whole peer frame: the version, then 1..messagesPerFrameMax messages. */
export const peerFrameSchema = z.strictObject({
  protocolVersion: z.literal(peerProtocolVersion),
  messages: z.array(messageSchema).min(1).max(messagesPerFrameMax),
});
