// One-line explanations of a KV register counter-example, built only from facts in the history
// (what a read returned, which write completed before it began). Never decides linearizability.
import type { KvInput, KvOperation, KvResult } from './kv-model.js';
import type { ExplanationContext } from './model.js';

const quote = (value: string | null): string => (value === null ? '<absent>' : JSON.stringify(value));

/** The value the register held right after `operation`, when the operation pins it down. */
function valueAfter(operation: KvOperation): string | null | undefined {
  if (operation.outcome.status !== 'ok') return undefined;
  const { input } = operation;
  const result = operation.outcome.result;
  switch (input.type) {
    case 'get':
      return result as string | null;
    case 'put':
      return input.value;
    case 'delete':
      return null;
    case 'cas':
      return result === true ? input.value : undefined;
  }
}

function writtenValue(input: KvInput): string | undefined {
  return input.type === 'put' || input.type === 'cas' ? input.value : undefined;
}

/** The latest-completing operation of `window` that finished before `culprit` began and pins the value. */
function lastPinnedBefore(culprit: KvOperation, window: readonly KvOperation[]): KvOperation | undefined {
  let latest: KvOperation | undefined;
  for (const operation of window) {
    if (operation === culprit || valueAfter(operation) === undefined) continue;
    const completedAt = operation.completedAt ?? Number.POSITIVE_INFINITY;
    if (completedAt >= culprit.invokedAt) continue;
    if (latest === undefined || completedAt > (latest.completedAt ?? 0)) latest = operation;
  }
  return latest;
}

function describePrior(prior: KvOperation, culprit: KvOperation): string {
  const value = quote(valueAfter(prior) ?? null);
  const verb = prior.input.type === 'get' ? `returned ${value}` : `written ${value}`;
  const what = prior.input.type === 'delete' ? 'delete' : prior.input.type;
  return `${what} by ${prior.process}, which completed at ${prior.completedAt} before it began at ${culprit.invokedAt}, had already ${verb}`;
}

/** Reads that disagree with no write among them: a register cannot change without a write. */
function explainReadsOnly(culprit: KvOperation, window: readonly KvOperation[]): string | undefined {
  if (window.some((operation) => operation.input.type !== 'get')) return undefined;
  const other = window.find(
    (operation) => operation !== culprit && valueAfter(operation) !== valueAfter(culprit),
  );
  if (other === undefined) return undefined;
  return `get by ${culprit.process} returned ${quote(valueAfter(culprit) ?? null)} and get by ${other.process} returned ${quote(valueAfter(other) ?? null)}, with no write that could have changed the value between them`;
}

export function explainKv(context: ExplanationContext<KvInput, KvResult>): string | undefined {
  const { culprit, window, partition } = context;
  if (culprit.outcome.status !== 'ok') return undefined;
  const { input } = culprit;
  const result = culprit.outcome.result;
  if (input.type === 'get' || (input.type === 'cas' && result === true)) {
    const observed = input.type === 'get' ? (result as string | null) : input.expected;
    const phrase =
      input.type === 'get' ? `get returned ${quote(observed)}` : `cas expecting ${quote(observed)} succeeded`;
    if (observed !== null && !partition.some((operation) => writtenValue(operation.input) === observed)) {
      return `${phrase}, but no put or cas on this key ever wrote ${quote(observed)}`;
    }
    const prior = lastPinnedBefore(culprit, window);
    if (prior !== undefined && valueAfter(prior) !== observed)
      return `${phrase}, but ${describePrior(prior, culprit)}`;
    return explainReadsOnly(culprit, window);
  }
  if (input.type === 'cas' && result === false) {
    const prior = lastPinnedBefore(culprit, window);
    if (prior !== undefined && valueAfter(prior) === input.expected) {
      return `cas expecting ${quote(input.expected)} failed, but ${describePrior(prior, culprit)}`;
    }
  }
  return undefined;
}
