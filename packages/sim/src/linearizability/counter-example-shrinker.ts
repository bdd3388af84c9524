// Shrinks a violation with sound steps only (each keeps a linearizable history linearizable): cut the end,
// cut the start, drop reads and unobserved writes. Bounded by its own budget; never widens the window.
import { type HistoryWindow, observationOf, searchWindow, type WindowOperation } from './history-window.js';
import type { Model } from './model.js';
import { type BudgetOptions, SearchBudget } from './search-budget.js';

/** Attempts to remove single operations after the two cuts. */
const removalAttemptsMax = 200;

export interface ShrinkResult<Input, Result> {
  readonly window: HistoryWindow<Input, Result>;
  /** Every probe was decided within the budget (false: a smaller window may exist). */
  readonly complete: boolean;
  /** Search steps the probes used. */
  readonly steps: number;
}

const isDefinite = <Input, Result>(windowOperation: WindowOperation<Input, Result>): boolean =>
  !windowOperation.cutInFlight && windowOperation.operation.outcome.status === 'ok';

/**
 * The history truncated at time `time`: what a checker stopping then would know. Sound: if the
 * history is linearizable, so is every truncation (take its linearization up to the last call that
 * completed by `time`; calls still in flight are unknown, so they may sit there or never happen).
 */
export function cutAfter<Input, Result>(
  window: HistoryWindow<Input, Result>,
  time: number,
): HistoryWindow<Input, Result> {
  const operations = window.operations
    .filter((windowOperation) => windowOperation.operation.invokedAt <= time)
    .map((windowOperation) =>
      isDefinite(windowOperation) && windowOperation.operation.completedAt! > time
        ? { ...windowOperation, cutInFlight: true }
        : windowOperation,
    );
  return { operations, fromAnyState: window.fromAnyState };
}

/**
 * The history without what completed before `time`, started from "any state". Sound: every call
 * completed before `time` precedes every call invoked from `time` on, so a linearization of the whole
 * history, read from its first kept call, linearizes this one from the state it had there.
 */
export function cutBefore<Input, Result>(
  window: HistoryWindow<Input, Result>,
  time: number,
): HistoryWindow<Input, Result> {
  const operations: WindowOperation<Input, Result>[] = [];
  for (const windowOperation of window.operations) {
    const { invokedAt, completedAt } = windowOperation.operation;
    if (invokedAt >= time) operations.push(windowOperation);
    else if (!isDefinite(windowOperation)) operations.push(windowOperation);
    else if (completedAt! >= time) operations.push({ ...windowOperation, cutInFlight: true });
  }
  return { operations, fromAnyState: true };
}

const sortedUnique = (values: number[]): number[] => [...new Set(values)].sort((a, b) => a - b);

export class CounterExampleShrinker<State, Input, Result> {
  private readonly budget: SearchBudget;
  private complete = true;

  constructor(
    private readonly model: Model<State, Input, Result>,
    budgetOptions: BudgetOptions,
  ) {
    this.budget = new SearchBudget(budgetOptions);
  }

  /**
   * `window` must be known not linearizable; `furthestCompletedAt` is where its search backtracked
   * furthest (the likely culprit). The result is a sub-window that is still not linearizable.
   */
  shrink(window: HistoryWindow<Input, Result>, furthestCompletedAt: number): ShrinkResult<Input, Result> {
    let smallest = this.cutEnd(window, furthestCompletedAt);
    if (this.model.anyState !== undefined) smallest = this.cutStart(smallest);
    smallest = this.removeOperations(smallest);
    return { window: smallest, complete: this.complete, steps: this.budget.spent };
  }

  /** Whether `window` is proven not linearizable within the budget. */
  private stillFails(window: HistoryWindow<Input, Result>): boolean {
    const outcome = searchWindow(this.model, window, this.budget);
    if (outcome.result === 'budget-exhausted') this.complete = false;
    return outcome.result === 'not-linearizable';
  }

  /**
   * Finds the earliest completion time at which the history is already not linearizable. Proving a
   * window not linearizable costs an exhaustive search, so it first tries the search's own hint and
   * the time just before it (usually the answer), then falls back to a binary search.
   */
  private cutEnd(window: HistoryWindow<Input, Result>, hint: number): HistoryWindow<Input, Result> {
    const times = sortedUnique(
      window.operations.filter(isDefinite).map((windowOperation) => windowOperation.operation.completedAt!),
    );
    let best = window;
    const fails = (index: number): boolean => {
      const candidate = cutAfter(window, times[index]!);
      if (!this.stillFails(candidate)) return false;
      best = candidate;
      return true;
    };
    let low = 0;
    let high = times.length - 1;
    const guess = times.indexOf(hint);
    if (guess !== -1) {
      if (!fails(guess)) low = guess + 1;
      else if (guess === 0 || !fails(guess - 1)) high = -1;
      else high = guess - 2;
    }
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (fails(middle)) high = middle - 1;
      else low = middle + 1;
    }
    return best;
  }

  /**
   * Finds the latest invocation time from which the window is still not linearizable. Gallops from
   * the end (windows of 1, 2, 4... start times) so no probe is much larger than the answer.
   */
  private cutStart(window: HistoryWindow<Input, Result>): HistoryWindow<Input, Result> {
    const times = sortedUnique(
      window.operations.map((windowOperation) => windowOperation.operation.invokedAt),
    );
    let best = window;
    const fails = (index: number): boolean => {
      const candidate = cutBefore(window, times[index]!);
      if (!this.stillFails(candidate)) return false;
      best = candidate;
      return true;
    };
    let passing = times.length;
    let failing = -1;
    for (let distance = 1; failing === -1 && passing > 0; distance *= 2) {
      const index = Math.max(0, times.length - distance);
      if (fails(index)) failing = index;
      else passing = index;
    }
    let low = failing + 1;
    let high = passing - 1;
    while (failing !== -1 && low <= high) {
      const middle = (low + high) >>> 1;
      if (fails(middle)) low = middle + 1;
      else high = middle - 1;
    }
    return best;
  }

  /**
   * Drops operations one at a time while the window stays not linearizable: read-only ones first,
   * then those the model says are removable (judged against the window as it is at that moment).
   */
  private removeOperations(window: HistoryWindow<Input, Result>): HistoryWindow<Input, Result> {
    let current = window;
    let attempts = 0;
    for (const pass of ['read-only', 'removable'] as const) {
      for (const candidate of window.operations) {
        if (!current.operations.includes(candidate) || !this.mayRemove(candidate, current, pass)) continue;
        if (attempts === removalAttemptsMax) {
          this.complete = false;
          return current;
        }
        attempts += 1;
        const without = { ...current, operations: current.operations.filter((kept) => kept !== candidate) };
        if (this.stillFails(without)) current = without;
      }
    }
    return current;
  }

  private mayRemove(
    candidate: WindowOperation<Input, Result>,
    window: HistoryWindow<Input, Result>,
    pass: 'read-only' | 'removable',
  ): boolean {
    const call = { input: candidate.operation.input, observation: observationOf(candidate) };
    if (this.model.isReadOnly(call.input, call.observation)) return pass === 'read-only';
    if (pass === 'read-only' || this.model.isRemovable === undefined) return false;
    const calls = window.operations.map((kept) => ({
      input: kept.operation.input,
      observation: observationOf(kept),
    }));
    return this.model.isRemovable(call, calls);
  }
}
