// How much searching the checker may still do: a count of search steps, plus an optional deadline
// on a caller-supplied clock. Reads no clock of its own (the package stays deterministic).
import { assert } from '@raftkv/raft';

/** How often, in steps, the optional clock is consulted: reading a clock costs more than a step. */
const clockCheckIntervalSteps = 4096;

export interface BudgetOptions {
  /** Search steps allowed in total (one step = one call or return entry visited). */
  readonly maxSteps: number;
  /** A clock (for example `performance.now`); with `timeBudget`, the search also stops at a deadline. */
  readonly now?: (() => number) | undefined;
  /** How much `now()` may advance before the search stops, in `now()`'s own unit. */
  readonly timeBudget?: number | undefined;
}

export class SearchBudget {
  private stepsLeft: number;
  private stepsSpent = 0;
  private readonly deadline: number | undefined;

  constructor(private readonly options: BudgetOptions) {
    assert(options.maxSteps >= 0, () => `maxSteps must not be negative, got ${options.maxSteps}`);
    this.stepsLeft = options.maxSteps;
    this.deadline =
      options.now !== undefined && options.timeBudget !== undefined
        ? options.now() + options.timeBudget
        : undefined;
  }

  get spent(): number {
    return this.stepsSpent;
  }

  /** Spends one step; returns false (and keeps returning false) once the budget is exhausted. */
  spend(): boolean {
    if (this.stepsLeft <= 0) return false;
    this.stepsLeft -= 1;
    this.stepsSpent += 1;
    if (this.deadline !== undefined && this.stepsSpent % clockCheckIntervalSteps === 0) {
      if (this.options.now!() >= this.deadline) this.stepsLeft = 0;
    }
    return true;
  }
}
