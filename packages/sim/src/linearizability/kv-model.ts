// The KV register model: each key is an independent register holding a string or nothing, with
// get, put, delete and compare-and-set. Pure functions over immutable values; never mutates a state.
import type { HistoryOperation, Observation } from './history.js';
import { explainKv } from './kv-explanation.js';
import { isUnobservedWrite } from './kv-removal.js';
import type { Model, StepResult } from './model.js';

export type KvInput =
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'put'; readonly key: string; readonly value: string }
  | { readonly type: 'delete'; readonly key: string }
  /** Sets `value` iff the register holds `expected` (`null`: iff the key is absent). */
  | { readonly type: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string };

/** get: the value read (`null` when absent); cas: whether it succeeded; put and delete: ignored. */
export type KvResult = string | boolean | null;

/** A register state that stands for every possible state, until an operation pins it down. */
export const anyValue: unique symbol = Symbol('any value');
export type KvState = string | null | typeof anyValue;

export type KvOperation = HistoryOperation<KvInput, KvResult>;

const accept = (state: KvState): StepResult<KvState> => ({ ok: true, state });
const reject: StepResult<KvState> = { ok: false };

function stepGet(state: KvState, observation: Observation<KvResult>): StepResult<KvState> {
  if (observation.status === 'unknown') return accept(state);
  if (state === anyValue) return accept(observation.result as string | null);
  return observation.result === state ? accept(state) : reject;
}

function stepCas(
  state: KvState,
  input: Extract<KvInput, { type: 'cas' }>,
  observation: Observation<KvResult>,
): StepResult<KvState> {
  if (observation.status === 'unknown') {
    if (state === anyValue) return accept(anyValue);
    return accept(state === input.expected ? input.value : state);
  }
  if (observation.result === true) {
    return state === anyValue || state === input.expected ? accept(input.value) : reject;
  }
  // A failed compare-and-set only learns that the register differed from `expected`; "any" stays
  // "any", which over-approximates the states it could be in.
  if (state === anyValue) return accept(anyValue);
  return state === input.expected ? reject : accept(state);
}

const quote = (value: string | null): string => (value === null ? '<absent>' : JSON.stringify(value));

function describeResult(observation: Observation<KvResult>): string {
  if (observation.status === 'unknown') return '?';
  const result = observation.result;
  return typeof result === 'boolean' ? String(result) : quote(result);
}

function validateInput(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return 'input is not an object';
  const candidate = input as Record<string, unknown>;
  if (typeof candidate.key !== 'string') return 'input.key must be a string';
  switch (candidate.type) {
    case 'get':
    case 'delete':
      return undefined;
    case 'put':
      return typeof candidate.value === 'string' ? undefined : 'put needs a string value';
    case 'cas':
      if (typeof candidate.value !== 'string') return 'cas needs a string value';
      return typeof candidate.expected === 'string' || candidate.expected === null
        ? undefined
        : 'cas needs expected: a string or null';
    default:
      return `unknown operation type ${JSON.stringify(candidate.type)}`;
  }
}

function validateResult(operation: KvOperation): string | undefined {
  if (operation.outcome.status !== 'ok') return undefined;
  const result = operation.outcome.result;
  if (operation.input.type === 'get' && typeof result !== 'string' && result !== null) {
    return 'a successful get needs a string or null result';
  }
  if (operation.input.type === 'cas' && typeof result !== 'boolean') {
    return 'a successful cas needs a boolean result (succeeded or not)';
  }
  return undefined;
}

export const kvModel: Model<KvState, KvInput, KvResult> = {
  name: 'KV register',
  init: () => null,
  step(state, input, observation) {
    switch (input.type) {
      case 'get':
        return stepGet(state, observation);
      case 'put':
        return accept(input.value);
      case 'delete':
        return accept(null);
      case 'cas':
        return stepCas(state, input, observation);
    }
  },
  key: (state) => state,
  partition: (input) => input.key,
  isReadOnly: (input, observation) =>
    input.type === 'get' ||
    (input.type === 'cas' && observation.status === 'ok' && observation.result === false),
  isRemovable: isUnobservedWrite,
  validate: (operation) => validateInput(operation.input) ?? validateResult(operation),
  describe(input, observation) {
    switch (input.type) {
      case 'get':
        return `get → ${describeResult(observation)}`;
      case 'put':
        return `put ${quote(input.value)}`;
      case 'delete':
        return 'delete';
      case 'cas':
        return `cas ${quote(input.expected)} → ${quote(input.value)}: ${describeResult(observation)}`;
    }
  },
  anyState: () => anyValue,
  explain: explainKv,
};
