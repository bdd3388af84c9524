// The sequential specification the checker linearizes against: a pluggable Model of one object
// (a KV register, a counter, a queue...). Type declarations only; models live in their own files.
import type { HistoryOperation, Observation } from './history.js';

/** The outcome of applying one call to a state: accepted (with the next state) or impossible. */
export type StepResult<State> = { readonly ok: true; readonly state: State } | { readonly ok: false };

/** A primitive that is equal (===) exactly for equal states: the memoisation key (Lowe's cache). */
export type StateKey = string | number | boolean | symbol | null;

export interface Model<State, Input, Result> {
  readonly name: string;
  /** The state before any operation. */
  init(): State;
  /**
   * Applies `input` to `state`. With an `ok` observation the call is accepted only if the model
   * would have returned that result; with `unknown` any result is accepted and the effect is applied.
   * Must be pure: the same arguments always give the same answer, and `state` is never mutated.
   */
  step(state: State, input: Input, observation: Observation<Result>): StepResult<State>;
  key(state: State): StateKey;
  /**
   * Splits the history into independent sub-histories (P-compositionality: a history is
   * linearizable iff each object's sub-history is). Return the same string for every call on one object.
   */
  partition(input: Input): string;
  /**
   * True when this call, observed this way, never changes the state (a read, a failed compare-and-set).
   * Such calls with an unknown outcome are dropped, and the counter-example shrinker may remove them:
   * removing a call that changes nothing from a linearizable history leaves it linearizable.
   */
  isReadOnly(input: Input, observation: Observation<Result>): boolean;
  /**
   * Optional: true when removing `candidate` (a call that may change the state) from ANY linearizable
   * `window` leaves it linearizable, so the shrinker may drop it. Calls are as checked (in-flight ones
   * observed as unknown). Without it the shrinker removes only read-only calls.
   */
  isRemovable?(
    candidate: ObservedCall<Input, Result>,
    window: readonly ObservedCall<Input, Result>[],
  ): boolean;
  /** A reason why this operation is malformed for the model, or undefined when it is well formed. */
  validate(operation: HistoryOperation<Input, Result>): string | undefined;
  /** One short line such as `put "a"` or `get → "a"`. */
  describe(input: Input, observation: Observation<Result>): string;
  /**
   * Optional: a state that over-approximates every state (it accepts any first observation). With it
   * the shrinker may cut a counter-example's early operations soundly and start from "any state".
   */
  anyState?(): State;
  /** Optional: a one-line reason why `culprit` cannot be linearized, from facts in the histories. */
  explain?(context: ExplanationContext<Input, Result>): string | undefined;
}

/** One call as the search sees it. */
export interface ObservedCall<Input, Result> {
  readonly input: Input;
  readonly observation: Observation<Result>;
}

export interface ExplanationContext<Input, Result> {
  /** The operation whose completion the counter-example could not reach. */
  readonly culprit: HistoryOperation<Input, Result>;
  /** The shrunken counter-example, ordered by invocation. */
  readonly window: readonly HistoryOperation<Input, Result>[];
  /** Every operation of the same partition in the full history (failed ones excluded). */
  readonly partition: readonly HistoryOperation<Input, Result>[];
}
