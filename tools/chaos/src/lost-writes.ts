// Acknowledged writes lost: for each key, the final linearizable read is compared with the writes
// the clients saw acknowledged. Pure; reads the recorded history only. Definition (docs/reliability.md):
// an acknowledged write W of key k is LOST when every operation that could have produced k's final
// value completed before W was invoked, so W (or something after it) must show in the final state.
import type { RecordedOperation } from './history-recorder.js';

export interface LostWrite {
  readonly key: string;
  /** Null when the final value itself was never written by any client (a phantom value). */
  readonly write: RecordedOperation | null;
  /** What the final read returned (null: absent). */
  readonly finalValue: string | null;
  readonly reason: string;
}

/** Writes that put `value` into a key (null: deletes), acknowledged or of unknown outcome. */
function mayWrite(operation: RecordedOperation, key: string, value: string | null): boolean {
  const { input, outcome } = operation;
  if (input.key !== key || outcome.status === 'failed') return false;
  if (input.type === 'delete') return value === null;
  if (input.type === 'put') return input.value === value;
  if (input.type === 'cas')
    return input.value === value && (outcome.status === 'unknown' || outcome.result === true);
  return false;
}

function acknowledgedWrite(operation: RecordedOperation): boolean {
  const { input, outcome } = operation;
  if (outcome.status !== 'ok') return false;
  return input.type === 'put' || input.type === 'delete' || (input.type === 'cas' && outcome.result === true);
}

/**
 * `finalValues` maps every key to its final value, read linearizably after the run healed and the
 * workload stopped. For null the initial (empty) state also counts as a writer, completed at −∞.
 */
export function findLostWrites(
  operations: readonly RecordedOperation[],
  finalValues: ReadonlyMap<string, string | null>,
): LostWrite[] {
  const lost: LostWrite[] = [];
  for (const [key, finalValue] of finalValues) {
    const writers = operations.filter((operation) => mayWrite(operation, key, finalValue));
    if (finalValue !== null && writers.length === 0) {
      lost.push({ key, write: null, finalValue, reason: 'the final value was never written by any client' });
      continue;
    }
    const latestWriterEnd = writers.reduce(
      (latest, writer) =>
        Math.max(latest, writer.outcome.status === 'ok' ? writer.completedAt : Number.POSITIVE_INFINITY),
      Number.NEGATIVE_INFINITY,
    );
    for (const operation of operations) {
      if (operation.input.key !== key || !acknowledgedWrite(operation)) continue;
      if (mayWrite(operation, key, finalValue)) continue;
      if (operation.invokedAt > latestWriterEnd) {
        lost.push({
          key,
          write: operation,
          finalValue,
          reason: 'acknowledged after every writer of the final value had completed, yet not visible',
        });
      }
    }
  }
  return lost;
}
