// zod schemas for the KV results a node returns to clients (the types are @raftkv/kv's; the KV
// package ships schemas for commands and queries only). Checked by the client-side decoder. Pure.
import {
  alarmMemberLengthMax,
  alarmSinceLengthMax,
  type KeyValue,
  type KvError,
  type KvErrorCode,
  type KvResult,
  type MemberAlarm,
  type OperationResult,
  type StepResult,
} from '@raftkv/kv';
import { z } from 'zod';
import { errorMessageLengthMax } from './limits.js';

const bytesSchema = z.instanceof(Uint8Array);
const revisionSchema = z.int().nonnegative();

/** Every KvErrorCode; typechecking fails here if @raftkv/kv adds or renames one. */
export const kvErrorCodes = [
  'malformed-command',
  'key-too-large',
  'value-too-large',
  'too-many-operations',
  'range-limit-too-large',
  'client-id-too-large',
  'session-expired',
  'session-results-full',
  'sequence-acknowledged',
  'no-space',
] as const satisfies readonly KvErrorCode[];
type AssertAllListed<T extends (typeof kvErrorCodes)[number]> = T;
export type ListedKvErrorCode = AssertAllListed<KvErrorCode>;

const keyValueSchema: z.ZodType<KeyValue> = z.strictObject({
  key: bytesSchema,
  value: bytesSchema,
  createRevision: revisionSchema,
  modRevision: revisionSchema,
  version: revisionSchema,
});

const stepResultSchema: z.ZodType<StepResult> = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('put'), previous: keyValueSchema.nullable() }),
  z.strictObject({ type: z.literal('get'), keyValue: keyValueSchema.nullable() }),
  z.strictObject({ type: z.literal('delete'), deleted: z.boolean(), previous: keyValueSchema.nullable() }),
  z.strictObject({ type: z.literal('range'), keyValues: z.array(keyValueSchema), more: z.boolean() }),
]);

/** A cluster alarm (one per member and kind); a cluster holds at most one per member. */
export const memberAlarmSchema: z.ZodType<MemberAlarm> = z.strictObject({
  member: z.string().min(1).max(alarmMemberLengthMax),
  alarm: z.literal('no-space'),
  reason: z.enum(['disk-full', 'map-full']),
  since: z.string().max(alarmSinceLengthMax),
});

/** More alarms than any cluster has members; bounds what a decoder accepts. */
export const memberAlarmsMax = 1024;

const operationResultSchema: z.ZodType<OperationResult> = z.union([
  stepResultSchema,
  z.strictObject({ type: z.literal('alarm'), alarms: z.array(memberAlarmSchema).max(memberAlarmsMax) }),
  z.strictObject({
    type: z.literal('compareAndSwap'),
    succeeded: z.boolean(),
    current: keyValueSchema.nullable(),
  }),
  z.strictObject({
    type: z.literal('transaction'),
    succeeded: z.boolean(),
    results: z.array(stepResultSchema),
  }),
]);

export const kvErrorSchema: z.ZodType<KvError> = z.strictObject({
  code: z.enum(kvErrorCodes),
  message: z.string().max(errorMessageLengthMax),
});

export const kvResultSchema: z.ZodType<KvResult> = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), revision: revisionSchema, result: operationResultSchema }),
  z.strictObject({ ok: z.literal(false), revision: revisionSchema, error: kvErrorSchema }),
]);
