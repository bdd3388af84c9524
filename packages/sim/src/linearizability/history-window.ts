// A sub-history of one partition as the checker and shrinker see it (some calls cut mid-flight, maybe
// starting from "any state"), and its translation into search calls. Decides nothing itself.
import type { HistoryOperation, Observation } from './history.js';
import { type SearchCall, type SearchOutcome, searchLinearization } from './linearization-search.js';
import type { Model } from './model.js';
import type { SearchBudget } from './search-budget.js';

export interface WindowOperation<Input, Result> {
  /** Position in the history the caller passed in. */
  readonly historyIndex: number;
  readonly operation: HistoryOperation<Input, Result>;
  /** In flight at a cut made by the shrinker: checked as if its outcome were unknown. */
  readonly cutInFlight: boolean;
}

export interface HistoryWindow<Input, Result> {
  readonly operations: readonly WindowOperation<Input, Result>[];
  /** Earlier operations were cut off: the search starts from the model's "any state". */
  readonly fromAnyState: boolean;
}

export function observationOf<Input, Result>(
  windowOperation: WindowOperation<Input, Result>,
): Observation<Result> {
  const { outcome } = windowOperation.operation;
  if (windowOperation.cutInFlight || outcome.status !== 'ok') return { status: 'unknown' };
  return outcome;
}

/** Search calls for a window; a read-only call with an unknown outcome constrains nothing and is dropped. */
function searchCallsOf<State, Input, Result>(
  model: Model<State, Input, Result>,
  operations: readonly WindowOperation<Input, Result>[],
): SearchCall<Input, Result>[] {
  const calls: SearchCall<Input, Result>[] = [];
  for (const windowOperation of operations) {
    const observation = observationOf(windowOperation);
    const { input, invokedAt, completedAt } = windowOperation.operation;
    if (observation.status === 'unknown' && model.isReadOnly(input, observation)) continue;
    calls.push({
      input,
      observation,
      invokedAt,
      completedAt: observation.status === 'ok' ? completedAt! : Number.POSITIVE_INFINITY,
    });
  }
  return calls;
}

export function searchWindow<State, Input, Result>(
  model: Model<State, Input, Result>,
  window: HistoryWindow<Input, Result>,
  budget: SearchBudget,
): SearchOutcome {
  const initialState = window.fromAnyState && model.anyState !== undefined ? model.anyState() : model.init();
  return searchLinearization(model, searchCallsOf(model, window.operations), initialState, budget);
}
