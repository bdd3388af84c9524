// Entry point of the linearizability checker: validate, split per key (P-compositionality), search each
// partition within one budget, shrink the first violation. Pure and synchronous; reads no clock itself.
import { buildCounterExample, type CounterExample } from './counter-example.js';
import { CounterExampleShrinker } from './counter-example-shrinker.js';
import type { HistoryOperation } from './history.js';
import { findInvalidOperation, type InvalidHistory } from './history-validation.js';
import { searchWindow, type WindowOperation } from './history-window.js';
import type { Model } from './model.js';
import { SearchBudget } from './search-budget.js';

/** Default search steps for the whole history: a few seconds of search at most on this machine kind. */
export const defaultMaxSteps = 20_000_000;
/** Default search steps for shrinking a counter-example (on top of the check's own budget). */
export const defaultShrinkMaxSteps = 5_000_000;

export interface CheckOptions {
  /** Search steps allowed for the whole history (all partitions together). */
  readonly maxSteps?: number;
  /** Search steps allowed for shrinking a counter-example. */
  readonly shrinkMaxSteps?: number;
  /** A clock (for example `performance.now`) for an optional wall-clock budget. */
  readonly now?: () => number;
  /** How far `now()` may advance during the check, and again during shrinking, in its own unit. */
  readonly timeBudget?: number;
}

export interface CheckStats {
  /** Operations checked (failed ones are left out). */
  readonly operations: number;
  readonly partitions: number;
  /** Search steps the check used (shrinking not included). */
  readonly steps: number;
}

export type LinearizabilityVerdict<Input, Result> =
  | { readonly result: 'linearizable'; readonly stats: CheckStats }
  | {
      readonly result: 'not-linearizable';
      readonly key: string;
      readonly counterExample: CounterExample<Input, Result>;
      readonly stats: CheckStats;
    }
  | {
      readonly result: 'unknown';
      readonly reason: 'budget-exhausted';
      readonly key: string;
      readonly stats: CheckStats;
    }
  | InvalidHistory;

/** Operations grouped by partition, failed ones left out (they definitely did not take effect). */
function partitionHistory<State, Input, Result>(
  model: Model<State, Input, Result>,
  history: readonly HistoryOperation<Input, Result>[],
): Map<string, WindowOperation<Input, Result>[]> {
  const partitions = new Map<string, WindowOperation<Input, Result>[]>();
  history.forEach((operation, historyIndex) => {
    if (operation.outcome.status === 'failed') return;
    const key = model.partition(operation.input);
    let operations = partitions.get(key);
    if (operations === undefined) {
      operations = [];
      partitions.set(key, operations);
    }
    operations.push({ historyIndex, operation, cutInFlight: false });
  });
  return partitions;
}

/**
 * Checks `history` against `model`. Verdicts are sound: "linearizable" and "not-linearizable" are
 * proofs; when the budget runs out first the answer is "unknown", naming the partition it stopped in.
 */
export function checkLinearizability<State, Input, Result>(
  model: Model<State, Input, Result>,
  history: readonly HistoryOperation<Input, Result>[],
  options: CheckOptions = {},
): LinearizabilityVerdict<Input, Result> {
  const invalid = findInvalidOperation(model, history);
  if (invalid !== undefined) return invalid;
  const partitions = partitionHistory(model, history);
  const budget = new SearchBudget({
    maxSteps: options.maxSteps ?? defaultMaxSteps,
    now: options.now,
    timeBudget: options.timeBudget,
  });
  let operationCount = 0;
  partitions.forEach((operations) => {
    operationCount += operations.length;
  });
  const stats = (): CheckStats => ({
    operations: operationCount,
    partitions: partitions.size,
    steps: budget.spent,
  });
  for (const key of [...partitions.keys()].sort()) {
    const operations = partitions.get(key)!;
    const window = { operations, fromAnyState: false };
    const outcome = searchWindow(model, window, budget);
    if (outcome.result === 'budget-exhausted')
      return { result: 'unknown', reason: 'budget-exhausted', key, stats: stats() };
    if (outcome.result === 'not-linearizable') {
      const shrinker = new CounterExampleShrinker(model, {
        maxSteps: options.shrinkMaxSteps ?? defaultShrinkMaxSteps,
        now: options.now,
        timeBudget: options.timeBudget,
      });
      const counterExample = buildCounterExample(
        model,
        key,
        operations,
        shrinker.shrink(window, outcome.furthestCompletedAt),
      );
      return { result: 'not-linearizable', key, counterExample, stats: stats() };
    }
  }
  return { result: 'linearizable', stats: stats() };
}
