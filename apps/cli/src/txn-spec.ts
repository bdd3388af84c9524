// Parses the JSON transaction spec `raftkv txn` reads (from --file or stdin) into a TxnRequest.
// Strings are UTF-8 keys and values. Bad input yields a CliFailure naming the offending path.
//
//   { "compares": [ { "key": "a", "target": "value", "operator": "equal", "value": "1" },
//                   { "key": "b", "target": "version", "operator": ">", "value": 0 } ],
//     "success":  [ { "type": "put", "key": "a", "value": "2" }, { "type": "get", "key": "b" },
//                   { "type": "delete", "key": "c" }, { "type": "range", "prefix": "x/", "limit": 10 } ],
//     "failure":  [ { "type": "get", "key": "a" } ] }
import type { TxnCompare, TxnRequest, TxnStep } from '@raftkv/client';
import type { CompareOperator } from '@raftkv/kv';
import { exitUsage } from './exit-codes.js';
import { CliFailure } from './io.js';

const operators: Readonly<Record<string, CompareOperator>> = {
  equal: 'equal',
  '=': 'equal',
  '==': 'equal',
  notEqual: 'notEqual',
  '!=': 'notEqual',
  less: 'less',
  '<': 'less',
  greater: 'greater',
  '>': 'greater',
};
const revisionTargets = ['version', 'createRevision', 'modRevision'] as const;
const topLevelKeys = new Set(['compares', 'success', 'failure']);

type Json = Record<string, unknown>;

export function parseTxnSpec(text: string): TxnRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return invalid(`the txn spec is not JSON: ${(error as Error).message}`);
  }
  const spec = object(value, 'the txn spec');
  for (const key of Object.keys(spec)) {
    if (!topLevelKeys.has(key))
      invalid(`the txn spec has an unknown field "${key}" (expected compares, success, failure)`);
  }
  return {
    compares: list(spec.compares, 'compares').map((item, index) => compare(item, `compares[${index}]`)),
    success: list(spec.success, 'success').map((item, index) => step(item, `success[${index}]`)),
    failure: list(spec.failure, 'failure').map((item, index) => step(item, `failure[${index}]`)),
  };
}

function compare(value: unknown, path: string): TxnCompare {
  const item = object(value, path);
  const key = string(item.key, `${path}.key`);
  const operator = operators[string(item.operator, `${path}.operator`)];
  if (operator === undefined) invalid(`${path}.operator must be one of ${Object.keys(operators).join(' ')}`);
  const target = string(item.target, `${path}.target`);
  if (target === 'value') return { key, target, operator, value: string(item.value, `${path}.value`) };
  if (!(revisionTargets as readonly string[]).includes(target)) {
    invalid(`${path}.target must be value, ${revisionTargets.join(', ')}`);
  }
  return {
    key,
    target: target as (typeof revisionTargets)[number],
    operator,
    value: count(item.value, `${path}.value`),
  };
}

function step(value: unknown, path: string): TxnStep {
  const item = object(value, path);
  const type = string(item.type, `${path}.type`);
  switch (type) {
    case 'put':
      return { type, key: string(item.key, `${path}.key`), value: string(item.value, `${path}.value`) };
    case 'get':
    case 'delete':
      return { type, key: string(item.key, `${path}.key`) };
    case 'range': {
      const limit = item.limit === undefined ? {} : { limit: count(item.limit, `${path}.limit`) };
      if (item.prefix !== undefined) return { type, prefix: string(item.prefix, `${path}.prefix`), ...limit };
      const end = item.end === undefined || item.end === null ? null : string(item.end, `${path}.end`);
      return { type, start: string(item.start, `${path}.start (or prefix)`), end, ...limit };
    }
    default:
      return invalid(`${path}.type must be put, get, delete or range`);
  }
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(`${path} must be an object`);
  return value as Json;
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) invalid(`${path} must be an array`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') invalid(`${path} must be a string`);
  return value;
}

function count(value: unknown, path: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) invalid(`${path} must be a whole number`);
  return value as number;
}

function invalid(message: string): never {
  throw new CliFailure(message, exitUsage);
}
