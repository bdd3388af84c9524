// Public API of the linearizability checker (re-exported by @raftkv/sim's index). Explicit named
// exports only; the search, cache and shrinker internals stay private to this folder.
export {
  type CheckOptions,
  type CheckStats,
  checkLinearizability,
  defaultMaxSteps,
  defaultShrinkMaxSteps,
  type LinearizabilityVerdict,
} from './check-linearizability.js';
export type { CounterExample, CounterExampleOperation } from './counter-example.js';
export type { HistoryOperation, Observation, Outcome } from './history.js';
export type { InvalidHistory } from './history-validation.js';
export {
  anyValue,
  type KvInput,
  type KvOperation,
  type KvResult,
  type KvState,
  kvModel,
} from './kv-model.js';
export type { ExplanationContext, Model, ObservedCall, StateKey, StepResult } from './model.js';
