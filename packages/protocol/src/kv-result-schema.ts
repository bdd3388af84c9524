// zod schemas for the KV results a node returns to clients (the types are @raftkv/kv's; the KV
// package ships schemas for commands and queries only). Checked by the client-side decoder. Pure.
import type { KeyValue, KvError, KvErrorCode, KvResult, OperationResult, StepResult } from '@raftkv/kv';
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

const operationResultSchema: z.ZodType<OperationResult> = z.union([
  stepResultSchema,
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
