// Builds the KV model's operations and queries (@raftkv/kv) from KvClient's friendlier arguments
// (strings as UTF-8, prefix ranges, CAS expectations). Pure; validation of limits is the node's.
import {
  type Compare,
  type CompareAndSwapOperation,
  prefixRange,
  type RangeOperation,
  type SwapExpectation,
  type TransactionOperation,
  type TransactionStep,
} from '@raftkv/kv';
import { rangeLimitDefault } from '../options.js';
import type { Bytes, CasExpectation, RangeRequest, TxnCompare, TxnRequest, TxnStep } from '../results.js';
import { toBytes } from './bytes.js';

export function rangeOperation(request: RangeRequest): RangeOperation {
  const limit = request.limit ?? rangeLimitDefault;
  if ('prefix' in request) return prefixRange(toBytes(request.prefix), limit);
  const end = request.end === undefined || request.end === null ? null : toBytes(request.end);
  return { type: 'range', start: toBytes(request.start), end, limit };
}

export function compareAndSwapOperation(
  key: Bytes,
  expected: CasExpectation,
  value: Bytes,
): CompareAndSwapOperation {
  return {
    type: 'compareAndSwap',
    key: toBytes(key),
    expected: swapExpectation(expected),
    value: toBytes(value),
  };
}

export function transactionOperation(request: TxnRequest): TransactionOperation {
  return {
    type: 'transaction',
    compares: request.compares.map(compare),
    success: request.success.map(step),
    failure: request.failure.map(step),
  };
}

function swapExpectation(expected: CasExpectation): SwapExpectation {
  if ('value' in expected) return { target: 'value', value: toBytes(expected.value) };
  if ('version' in expected) return { target: 'version', value: expected.version };
  return { target: 'modRevision', value: expected.modRevision };
}

function compare(spec: TxnCompare): Compare {
  const key = toBytes(spec.key);
  if (spec.target === 'value') {
    return { key, target: 'value', operator: spec.operator, value: toBytes(spec.value) };
  }
  return { key, target: spec.target, operator: spec.operator, value: spec.value };
}

function step(spec: TxnStep): TransactionStep {
  switch (spec.type) {
    case 'put':
      return { type: 'put', key: toBytes(spec.key), value: toBytes(spec.value) };
    case 'get':
      return { type: 'get', key: toBytes(spec.key) };
    case 'delete':
      return { type: 'delete', key: toBytes(spec.key) };
    case 'range':
      return rangeOperation(spec);
  }
}
