// Runs the @raftkv/sim linearizability checker over the recorded history with a step and time budget
// and summarises the verdict for the report. No processes; pure apart from the clock it is given.
import { checkLinearizability, kvModel } from '@raftkv/sim';
import { type RecordedOperation, toCheckerHistory } from './history-recorder.js';
import type { CheckSummary } from './report.js';

export function checkHistory(
  operations: readonly RecordedOperation[],
  budget: { maxSteps: number; timeBudgetMs: number },
): CheckSummary {
  const started = performance.now();
  const verdict = checkLinearizability(kvModel, toCheckerHistory(operations), {
    maxSteps: budget.maxSteps,
    shrinkMaxSteps: budget.maxSteps,
    now: () => performance.now(),
    timeBudget: budget.timeBudgetMs,
  });
  const elapsedMs = performance.now() - started;
  switch (verdict.result) {
    case 'linearizable':
      return { result: 'linearizable', detail: '', steps: verdict.stats.steps, elapsedMs };
    case 'not-linearizable':
      return {
        result: 'not-linearizable',
        detail: verdict.counterExample.text,
        steps: verdict.stats.steps,
        elapsedMs,
      };
    case 'unknown':
      return {
        result: 'unknown',
        detail: `the search budget ran out on key ${verdict.key}; nothing was proven`,
        steps: verdict.stats.steps,
        elapsedMs,
      };
    case 'invalid-history':
      return {
        result: 'invalid-history',
        detail: `operation ${verdict.operationIndex}: ${verdict.reason}`,
        steps: 0,
        elapsedMs,
      };
  }
}
