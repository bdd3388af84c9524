// zod schemas for the peer messages of @raftkv/raft (types.ts is the contract). Strict: an unknown
// key is rejected, since compatibility is carried by the frame's protocolVersion. No I/O here.
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
import {
  addressLengthMax,
  entriesPerMessageMax,
  entryDataBytesMax,
  membersPerConfigurationMax,
  nodeIdPattern,
  snapshotChunkBytesMax,
} from './limits.js';

export const nodeIdSchema: z.ZodType<NodeId> = z.custom<NodeId>(
  (value) => typeof value === 'string' && nodeIdPattern.test(value),
  { message: `expected a node id matching ${nodeIdPattern}` },
);

/** Terms, indexes, offsets and sequence numbers: non-negative safe integers (no floats, no -1). */
const counterSchema = z.int().nonnegative();
const termSchema: z.ZodType<Term> = counterSchema;
const logIndexSchema: z.ZodType<LogIndex> = counterSchema;

const boundedBytesSchema = (bytesMax: number): z.ZodType<Uint8Array> =>
  z.custom<Uint8Array>((value) => value instanceof Uint8Array && value.byteLength <= bytesMax, {
    message: `expected bytes (at most ${bytesMax})`,
  });

export const memberSchema: z.ZodType<Member> = z.strictObject({
  id: nodeIdSchema,
  role: z.enum(['voter', 'learner']),
  address: z.string().max(addressLengthMax),
});

export const configurationSchema: z.ZodType<Configuration> = z
  .strictObject({ members: z.array(memberSchema).max(membersPerConfigurationMax) })
  .refine(
    (configuration) =>
      new Set(configuration.members.map((member) => member.id)).size === configuration.members.length,
    {
      message: 'member ids must be unique',
    },
  );

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
function hasLeaderShapedLog(message: {
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

/** Every peer Message variant of @raftkv/raft, discriminated by `type`. */
export const messageSchema: z.ZodType<Message> = z.discriminatedUnion('type', [
  requestVoteSchema,
  requestVoteResponseSchema,
  appendEntriesSchema,
  appendEntriesResponseSchema,
  installSnapshotSchema,
  installSnapshotResponseSchema,
  timeoutNowSchema,
]);
