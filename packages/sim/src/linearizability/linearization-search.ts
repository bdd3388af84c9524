// Wing & Gong search with Lowe's memoisation (as in Knossos, Porcupine) for ONE partition; calls with an
// unknown outcome are tried after the definite ones and may never happen. Pure; stops with the budget.
import { assert } from '@raftkv/raft';
import { ConfigurationCache } from './configuration-cache.js';
import { EntryList } from './entry-list.js';
import type { Observation } from './history.js';
import { LinearizedSet } from './linearized-set.js';
import type { Model } from './model.js';
import type { SearchBudget } from './search-budget.js';

export interface SearchCall<Input, Result> {
  readonly input: Input;
  readonly observation: Observation<Result>;
  readonly invokedAt: number;
  /** +∞ when the outcome is unknown: the call may take effect any time after invokedAt, or never. */
  readonly completedAt: number;
}

export type SearchOutcome =
  | { readonly result: 'linearizable' }
  /**
   * `furthestCompletedAt`: the latest completion time at which the search had to stop and backtrack,
   * the likely culprit (the shrinker starts from it, then checks).
   */
  | { readonly result: 'not-linearizable'; readonly furthestCompletedAt: number }
  | { readonly result: 'budget-exhausted' };

interface Frame<State> {
  readonly definite: boolean;
  /** Index among the definite calls, or among the unknown calls. */
  readonly call: number;
  readonly stateBefore: State;
  /** For an unknown call: the completion time bounding which unknown calls could be tried there. */
  readonly boundTime: number;
}

const isDefinite = (call: SearchCall<unknown, unknown>): boolean =>
  call.completedAt !== Number.POSITIVE_INFINITY;

/** The state of one search: what is linearized, the undo stack, and where the scan stands. */
class Search<State, Input, Result> {
  private readonly list: EntryList;
  private readonly linearized: LinearizedSet;
  private readonly unknownUsed: Uint32Array;
  private readonly cache: ConfigurationCache;
  private readonly stack: Frame<State>[] = [];
  private definiteLeft: number;
  private furthestCompletedAt = Number.NEGATIVE_INFINITY;
  /** Phase 1 scans the entry list; phase 2 (unknownCursor >= 0) scans unknown calls up to boundTime. */
  private entry: number;
  private unknownCursor = -1;
  private boundTime = 0;

  constructor(
    private readonly model: Model<State, Input, Result>,
    private readonly definite: readonly SearchCall<Input, Result>[],
    /** Sorted by invocation. */
    private readonly unknown: readonly SearchCall<Input, Result>[],
    private state: State,
  ) {
    this.list = new EntryList(
      definite.map((call) => call.invokedAt),
      definite.map((call) => call.completedAt),
    );
    this.linearized = new LinearizedSet(definite.length);
    const unknownWords = Math.ceil(unknown.length / 32);
    this.unknownUsed = new Uint32Array(unknownWords);
    this.cache = new ConfigurationCache(unknownWords);
    this.definiteLeft = definite.length;
    this.entry = this.list.first;
  }

  run(budget: SearchBudget): SearchOutcome {
    while (this.definiteLeft > 0) {
      if (!budget.spend()) return { result: 'budget-exhausted' };
      if (this.unknownCursor < 0) this.stepDefinite();
      else if (!this.stepUnknown() && !this.backtrack()) {
        return { result: 'not-linearizable', furthestCompletedAt: this.furthestCompletedAt };
      }
    }
    return { result: 'linearizable' };
  }

  /** Tries the call at the cursor; at a return entry, turns to the unknown calls. */
  private stepDefinite(): void {
    const entry = this.entry;
    assert(entry !== -1, 'the search walked past the last entry while definite calls were pending');
    const callIndex = this.list.callOf[entry]!;
    if (this.list.isReturn[entry] === 1) {
      // Every call still in the list before this return was tried; calls after it cannot come first.
      this.boundTime = this.definite[callIndex]!.completedAt;
      this.furthestCompletedAt = Math.max(this.furthestCompletedAt, this.boundTime);
      this.unknownCursor = 0;
      return;
    }
    if (this.maybeLinearize(this.definite[callIndex]!, true, callIndex)) return;
    this.entry = this.list.next[entry]!;
  }

  /** Tries the unknown call at the cursor; returns false when none is left to try here. */
  private stepUnknown(): boolean {
    const index = this.unknownCursor;
    const call = this.unknown[index];
    if (call === undefined || call.invokedAt > this.boundTime) return false;
    this.unknownCursor = index + 1;
    const pending = (this.unknownUsed[index >>> 5]! & (1 << (index & 31))) === 0;
    if (pending) this.maybeLinearize(call, false, index);
    return true;
  }

  /** Applies `call` if the model accepts it and the new configuration is unexplored. */
  private maybeLinearize(call: SearchCall<Input, Result>, definite: boolean, index: number): boolean {
    const stepped = this.model.step(this.state, call.input, call.observation);
    if (!stepped.ok) return false;
    this.toggle(definite, index);
    if (!this.cache.maybeAdd(this.linearized, this.unknownUsed, this.model.key(stepped.state))) {
      this.toggle(definite, index);
      return false;
    }
    this.stack.push({ definite, call: index, stateBefore: this.state, boundTime: this.boundTime });
    this.state = stepped.state;
    if (definite) {
      this.list.lift(index);
      this.definiteLeft -= 1;
    }
    this.entry = this.list.first;
    this.unknownCursor = -1;
    return true;
  }

  /** Undoes the latest linearized call and resumes the scan just after it; false when none is left. */
  private backtrack(): boolean {
    const frame = this.stack.pop();
    if (frame === undefined) return false;
    this.state = frame.stateBefore;
    this.toggle(frame.definite, frame.call);
    if (frame.definite) {
      this.list.unlift(frame.call);
      this.definiteLeft += 1;
      this.entry = this.list.next[this.list.entryOfCall(frame.call)]!;
      this.unknownCursor = -1;
    } else {
      this.unknownCursor = frame.call + 1;
      this.boundTime = frame.boundTime;
    }
    return true;
  }

  private toggle(definite: boolean, index: number): void {
    if (!definite) this.unknownUsed[index >>> 5]! ^= 1 << (index & 31);
    else if (this.linearized.has(index)) this.linearized.remove(index);
    else this.linearized.add(index);
  }
}

/**
 * Decides whether `calls`, started from `initialState`, have a linearization. The search succeeds as
 * soon as every definite call is linearized: unknown calls still pending then never took effect.
 */
export function searchLinearization<State, Input, Result>(
  model: Model<State, Input, Result>,
  calls: readonly SearchCall<Input, Result>[],
  initialState: State,
  budget: SearchBudget,
): SearchOutcome {
  const unknown = calls.filter((call) => !isDefinite(call)).sort((a, b) => a.invokedAt - b.invokedAt);
  return new Search(model, calls.filter(isDefinite), unknown, initialState).run(budget);
}
