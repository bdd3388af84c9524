// The KV command and query model (etcd-like) and its zod schemas, checked on every decoded command.
// Shapes only: limits are checked separately (validation.ts) so that each yields its own error code.
import { z } from 'zod';
import { plainBytes, prefixEnd } from './internal/bytes.js';

/** Decoded bytes become plain Uint8Array views (msgpackr yields Node Buffers), without copying. */
const bytes = z
  .instanceof(Uint8Array)
  .transform((value) => (value.constructor === Uint8Array ? value : plainBytes(value)));
const count = z.number().int().nonnegative();
/** Bounds of an alarm command's member id and since text (a member id is far shorter in practice). */
export const alarmMemberLengthMax = 256;
export const alarmSinceLengthMax = 64;

/** Writes `value` at `key`; `returnPrevious` asks for the key-value it replaced (etcd prev_kv). */
export interface PutOperation {
  readonly type: 'put';
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly returnPrevious?: boolean | undefined;
}

export interface GetOperation {
  readonly type: 'get';
  readonly key: Uint8Array;
}

export interface DeleteOperation {
  readonly type: 'delete';
  readonly key: Uint8Array;
  readonly returnPrevious?: boolean | undefined;
}

/** Pairs with start ≤ key < end (end null: no upper bound), ascending, at most `limit`; see prefixRange(). */
export interface RangeOperation {
  readonly type: 'range';
  readonly start: Uint8Array;
  readonly end: Uint8Array | null;
  readonly limit: number;
}

export type CompareOperator = 'equal' | 'notEqual' | 'less' | 'greater';
export type RevisionTarget = 'version' | 'createRevision' | 'modRevision';

/**
 * One compare of a transaction (etcd semantics): a missing key has version, createRevision and
 * modRevision 0, and every compare on the value of a missing key is false.
 */
export type Compare =
  | {
      readonly key: Uint8Array;
      readonly target: 'value';
      readonly operator: CompareOperator;
      readonly value: Uint8Array;
    }
  | {
      readonly key: Uint8Array;
      readonly target: RevisionTarget;
      readonly operator: CompareOperator;
      readonly value: number;
    };

/** What a compare-and-swap expects the key to hold now (version 0: the key must not exist). */
export type SwapExpectation =
  | { readonly target: 'value'; readonly value: Uint8Array }
  | { readonly target: 'version' | 'modRevision'; readonly value: number };

/** Puts `value` at `key` only if the key currently matches `expected`. */
export interface CompareAndSwapOperation {
  readonly type: 'compareAndSwap';
  readonly key: Uint8Array;
  readonly expected: SwapExpectation;
  readonly value: Uint8Array;
}

export type TransactionStep = PutOperation | GetOperation | DeleteOperation | RangeOperation;

/** etcd's txn: if every compare holds, run `success` in order, else `failure`; one revision in all. */
export interface TransactionOperation {
  readonly type: 'transaction';
  readonly compares: readonly Compare[];
  readonly success: readonly TransactionStep[];
  readonly failure: readonly TransactionStep[];
}

/** The one kind of cluster alarm: a member's disk or KV map is full (etcd's NOSPACE). */
export type AlarmKind = 'no-space';
export type NoSpaceReason = 'disk-full' | 'map-full';

/**
 * Raises or clears a member's alarm in the replicated state (etcd's AlarmRequest). `activate` names
 * the member, why (`reason`) and since when (`since`, ISO 8601, the proposer's clock: the log carries
 * it, so every member applies the same text); `deactivate` clears `member`'s alarm, or every
 * member's alarm of that kind when `member` is null (etcdctl alarm disarm).
 */
export interface AlarmOperation {
  readonly type: 'alarm';
  readonly action: 'activate' | 'deactivate';
  readonly alarm: AlarmKind;
  readonly member: string | null;
  readonly reason?: NoSpaceReason | undefined;
  readonly since?: string | undefined;
}

export type KvOperation =
  | PutOperation
  | GetOperation
  | DeleteOperation
  | RangeOperation
  | CompareAndSwapOperation
  | TransactionOperation
  | AlarmOperation;

/**
 * Exactly-once client session stamp (thesis §6.3). `sequence` numbers a client's commands from 1;
 * `firstUnacknowledgedSequence` is the lowest sequence whose result the client has not yet received,
 * so the state machine may forget every result below it.
 */
export interface CommandSession {
  readonly clientId: string;
  readonly sequence: number;
  readonly firstUnacknowledgedSequence: number;
}

/** What a client proposes to the Raft log, encoded with encodeCommand(). */
export interface KvCommand {
  readonly operation: KvOperation;
  readonly session?: CommandSession | undefined;
}

/** A read served from the applied state without going through the log (ReadIndex, thesis §6.4). */
export type KvQuery = GetOperation | RangeOperation;

const putSchema = z.object({
  type: z.literal('put'),
  key: bytes,
  value: bytes,
  returnPrevious: z.boolean().optional(),
});
const getSchema = z.object({ type: z.literal('get'), key: bytes });
const deleteSchema = z.object({
  type: z.literal('delete'),
  key: bytes,
  returnPrevious: z.boolean().optional(),
});
const rangeSchema = z.object({
  type: z.literal('range'),
  start: bytes,
  end: bytes.nullable(),
  limit: z.number().int().positive(),
});
const operatorSchema = z.enum(['equal', 'notEqual', 'less', 'greater']);
const compareSchema = z.union([
  z.object({ key: bytes, target: z.literal('value'), operator: operatorSchema, value: bytes }),
  z.object({
    key: bytes,
    target: z.enum(['version', 'createRevision', 'modRevision']),
    operator: operatorSchema,
    value: count,
  }),
]);
const expectationSchema = z.union([
  z.object({ target: z.literal('value'), value: bytes }),
  z.object({ target: z.enum(['version', 'modRevision']), value: count }),
]);
const compareAndSwapSchema = z.object({
  type: z.literal('compareAndSwap'),
  key: bytes,
  expected: expectationSchema,
  value: bytes,
});
const stepSchema = z.discriminatedUnion('type', [putSchema, getSchema, deleteSchema, rangeSchema]);
const transactionSchema = z.object({
  type: z.literal('transaction'),
  compares: z.array(compareSchema),
  success: z.array(stepSchema),
  failure: z.array(stepSchema),
});

/** Lengths bounded here so an alarm record stays small; the pairing of fields is checked in validation.ts. */
const alarmSchema = z.object({
  type: z.literal('alarm'),
  action: z.enum(['activate', 'deactivate']),
  alarm: z.literal('no-space'),
  member: z.string().min(1).max(alarmMemberLengthMax).nullable(),
  reason: z.enum(['disk-full', 'map-full']).optional(),
  since: z.string().min(1).max(alarmSinceLengthMax).optional(),
});

export const kvOperationSchema: z.ZodType<KvOperation> = z.discriminatedUnion('type', [
  putSchema,
  getSchema,
  deleteSchema,
  rangeSchema,
  compareAndSwapSchema,
  transactionSchema,
  alarmSchema,
]);

export const commandSessionSchema: z.ZodType<CommandSession> = z
  .object({
    clientId: z.string().min(1),
    sequence: z.number().int().positive(),
    firstUnacknowledgedSequence: z.number().int().positive(),
  })
  .refine((session) => session.firstUnacknowledgedSequence <= session.sequence, {
    message: 'firstUnacknowledgedSequence must not exceed sequence',
  });

export const kvCommandSchema: z.ZodType<KvCommand> = z.object({
  operation: kvOperationSchema,
  session: commandSessionSchema.optional(),
});

export const kvQuerySchema: z.ZodType<KvQuery> = z.discriminatedUnion('type', [getSchema, rangeSchema]);

/** A range operation over every key that starts with `prefix`. */
export function prefixRange(prefix: Uint8Array, limit: number): RangeOperation {
  return { type: 'range', start: prefix, end: prefixEnd(prefix), limit };
}
