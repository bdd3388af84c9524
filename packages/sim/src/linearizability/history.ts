// The recorded client history the linearizability checker reads: one entry per operation, with its
// process, invocation and completion times and its outcome. Type declarations only; no logic.

/**
 * How an operation ended, as the client saw it:
 * - `ok`: it took effect and returned `result`;
 * - `failed`: it definitely did not take effect (the checker leaves it out);
 * - `unknown`: it may or may not have taken effect, at any moment after its invocation (a timed-out
 *   write, a crashed client). Its completion is treated as +∞.
 */
export type Outcome<Result> =
  | { readonly status: 'ok'; readonly result: Result }
  | { readonly status: 'failed' }
  | { readonly status: 'unknown' };

/** What a model is told about one call: its result, or that the result is unknown. */
export type Observation<Result> =
  | { readonly status: 'ok'; readonly result: Result }
  | { readonly status: 'unknown' };

export interface HistoryOperation<Input, Result> {
  /** The client that issued the operation (for display; real-time order alone constrains the search). */
  readonly process: string | number;
  readonly input: Input;
  /** When the client sent it, on any clock the recorder chose (logical or real) shared by all processes. */
  readonly invokedAt: number;
  /** When the client saw the outcome. Required for `ok`; ignored (treated as +∞) for `unknown`. */
  readonly completedAt?: number;
  readonly outcome: Outcome<Result>;
}
