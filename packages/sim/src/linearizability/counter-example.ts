// A counter-example as reported: the shrunken window of one partition, its culprit, a one-line explanation
// and a printable table (times, process, operation, result). Formats only; decides nothing.
import { assert } from '@raftkv/raft';
import type { ShrinkResult } from './counter-example-shrinker.js';
import type { HistoryOperation, Observation } from './history.js';
import type { WindowOperation } from './history-window.js';
import type { Model } from './model.js';

export interface CounterExampleOperation<Input, Result> {
  /** Position in the history passed to the checker. */
  readonly historyIndex: number;
  readonly operation: HistoryOperation<Input, Result>;
  /** In flight where the shrinker cut the history, so checked as if its outcome were unknown. */
  readonly cutInFlight: boolean;
}

export interface CounterExample<Input, Result> {
  /** The partition (for the KV model: the key) whose sub-history is not linearizable. */
  readonly key: string;
  /** The smallest window found that is still not linearizable, ordered by invocation. */
  readonly operations: readonly CounterExampleOperation<Input, Result>[];
  /** Earlier operations were cut: the window is not linearizable from ANY starting state. */
  readonly fromAnyState: boolean;
  /** The operation the window cannot reach the completion of (the last definite one to complete). */
  readonly culprit: CounterExampleOperation<Input, Result>;
  readonly explanation: string;
  /** Whether shrinking ran to the end within its budget (false: a smaller window may exist). */
  readonly shrinkComplete: boolean;
  /** Search steps shrinking used. */
  readonly shrinkSteps: number;
  /** The window as a table, followed by the explanation. */
  readonly text: string;
}

function findCulprit<Input, Result>(
  operations: readonly WindowOperation<Input, Result>[],
): WindowOperation<Input, Result> {
  let culprit: WindowOperation<Input, Result> | undefined;
  for (const candidate of operations) {
    if (candidate.cutInFlight || candidate.operation.outcome.status !== 'ok') continue;
    if (culprit === undefined || candidate.operation.completedAt! > culprit.operation.completedAt!)
      culprit = candidate;
  }
  assert(culprit !== undefined, 'a non-linearizable window has at least one operation with a known outcome');
  return culprit;
}

function describeOperation<State, Input, Result>(
  model: Model<State, Input, Result>,
  windowOperation: WindowOperation<Input, Result>,
): string {
  const { input, outcome } = windowOperation.operation;
  const observation: Observation<Result> = outcome.status === 'ok' ? outcome : { status: 'unknown' };
  const description = model.describe(input, observation);
  return windowOperation.cutInFlight
    ? `${description}  (in flight at the cut: checked as unknown)`
    : description;
}

function formatTable<State, Input, Result>(
  model: Model<State, Input, Result>,
  operations: readonly WindowOperation<Input, Result>[],
): string[] {
  const rows = operations.map((windowOperation) => {
    const { invokedAt, completedAt, outcome } = windowOperation.operation;
    const end = outcome.status === 'ok' ? String(completedAt) : '∞';
    return [
      String(invokedAt),
      end,
      String(windowOperation.operation.process),
      describeOperation(model, windowOperation),
    ];
  });
  const header = ['invoked', 'completed', 'process', 'operation'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]): string =>
    `  ${cells[0]!.padStart(widths[0]!)}  ${cells[1]!.padStart(widths[1]!)}  ${cells[2]!.padEnd(widths[2]!)}  ${cells[3]}`;
  return [line(header), ...rows.map(line)];
}

export function buildCounterExample<State, Input, Result>(
  model: Model<State, Input, Result>,
  key: string,
  partition: readonly WindowOperation<Input, Result>[],
  shrunk: ShrinkResult<Input, Result>,
): CounterExample<Input, Result> {
  const { window } = shrunk;
  const operations = [...window.operations].sort(
    (a, b) => a.operation.invokedAt - b.operation.invokedAt || a.historyIndex - b.historyIndex,
  );
  const culprit = findCulprit(operations);
  const explanation =
    model.explain?.({
      culprit: culprit.operation,
      window: operations.map((windowOperation) => windowOperation.operation),
      partition: partition.map((windowOperation) => windowOperation.operation),
    }) ??
    `no order of these ${operations.length} operations respects both their real-time order and the ${model.name} semantics`;
  const start = window.fromAnyState
    ? 'from any starting state (earlier operations cut)'
    : 'from the initial state';
  const text = [
    `${JSON.stringify(key)} is not linearizable: ${operations.length} operations, ${start}`,
    ...formatTable(model, operations),
    `why: ${explanation}`,
  ].join('\n');
  return {
    key,
    operations,
    fromAnyState: window.fromAnyState,
    culprit,
    explanation,
    shrinkComplete: shrunk.complete,
    shrinkSteps: shrunk.steps,
    text,
  };
}
