// Checks a recorded history's shape before the search: a malformed operation becomes a typed
// "invalid-history" answer naming it, never a crash deep in the search. Reads only.
import type { HistoryOperation } from './history.js';
import type { Model } from './model.js';

export interface InvalidHistory {
  readonly result: 'invalid-history';
  readonly operationIndex: number;
  readonly reason: string;
}

const isTime = (value: unknown): value is number => typeof value === 'number' && !Number.isNaN(value);

function shapeProblem(operation: unknown): string | undefined {
  if (typeof operation !== 'object' || operation === null) return 'not an object';
  const candidate = operation as Record<string, unknown>;
  if (typeof candidate.process !== 'string' && typeof candidate.process !== 'number') {
    return 'process must be a string or a number';
  }
  if (!isTime(candidate.invokedAt) || !Number.isFinite(candidate.invokedAt))
    return 'invokedAt must be a finite number';
  const outcome = candidate.outcome as Record<string, unknown> | null | undefined;
  if (typeof outcome !== 'object' || outcome === null) return 'outcome must be an object';
  if (outcome.status !== 'ok' && outcome.status !== 'failed' && outcome.status !== 'unknown') {
    return `outcome.status must be ok, failed or unknown, got ${JSON.stringify(outcome.status)}`;
  }
  if (outcome.status === 'ok' && !('result' in outcome)) return 'an ok outcome needs a result';
  if (candidate.completedAt === undefined)
    return outcome.status === 'ok' ? 'an ok operation needs completedAt' : undefined;
  if (!isTime(candidate.completedAt)) return 'completedAt must be a number';
  if (candidate.completedAt < candidate.invokedAt) {
    return `completedAt ${candidate.completedAt} is before invokedAt ${candidate.invokedAt}`;
  }
  if (outcome.status === 'ok' && !Number.isFinite(candidate.completedAt))
    return 'an ok operation needs a finite completedAt';
  return undefined;
}

export function findInvalidOperation<State, Input, Result>(
  model: Model<State, Input, Result>,
  history: readonly HistoryOperation<Input, Result>[],
): InvalidHistory | undefined {
  if (!Array.isArray(history))
    return { result: 'invalid-history', operationIndex: -1, reason: 'history is not an array' };
  for (let operationIndex = 0; operationIndex < history.length; operationIndex += 1) {
    const operation = history[operationIndex];
    const reason = shapeProblem(operation) ?? model.validate(operation!);
    if (reason !== undefined) return { result: 'invalid-history', operationIndex, reason };
  }
  return undefined;
}
