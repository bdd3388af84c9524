// When the counter-example shrinker may drop a write from a KV register window without creating a
// violation that was not there: the written value must be unobserved. Decides only that; pure.
import type { KvInput, KvResult } from './kv-model.js';
import type { ObservedCall } from './model.js';

type KvCall = ObservedCall<KvInput, KvResult>;

function writtenValue(input: KvInput): string | null | undefined {
  if (input.type === 'put' || input.type === 'cas') return input.value;
  return input.type === 'delete' ? null : undefined;
}

/**
 * Take any linearization of `window` and delete `candidate` (value v) from it. Only calls between it
 * and the next write see a different value afterwards, and none of them can tell: no get returned v,
 * no compare-and-set expected v (an unknown one that saw v had no effect and may be dropped), and no
 * compare-and-set is known to have failed (it might have relied on seeing v rather than its
 * expected value). So the window without `candidate` is linearizable whenever the window was.
 */
export function isUnobservedWrite(candidate: KvCall, window: readonly KvCall[]): boolean {
  const value = writtenValue(candidate.input);
  if (value === undefined) return false;
  return window.every(({ input, observation }) => {
    if (input.type === 'get') return observation.status !== 'ok' || observation.result !== value;
    if (input.type !== 'cas') return true;
    if (input.expected === value) return false;
    return !(observation.status === 'ok' && observation.result === false);
  });
}
