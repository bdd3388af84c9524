// Checks KvClient's options and fills in defaults; bad options are a KvClientError('invalid-argument')
// with a message naming the option, never a crash later on.
import { KvClientError } from '../client-error.js';
import {
  attemptTimeoutMsDefault,
  type KvClientOptions,
  maxRedirectsDefault,
  type ResolvedOptions,
  timeoutMsDefault,
} from '../options.js';

const endpointPattern = /^tcp:\/\/[^\s/]+:\d{1,5}$/;

export function resolveOptions(options: KvClientOptions): ResolvedOptions {
  if (options.endpoints.length === 0) invalid('endpoints must name at least one node client address');
  for (const endpoint of options.endpoints) {
    if (!endpointPattern.test(endpoint)) invalid(`endpoint "${endpoint}" is not a tcp://host:port address`);
  }
  const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? timeoutMsDefault);
  const attemptTimeoutMs = positiveInteger(
    'attemptTimeoutMs',
    options.attemptTimeoutMs ?? attemptTimeoutMsDefault,
  );
  const maxRedirects = options.maxRedirects ?? maxRedirectsDefault;
  if (!Number.isSafeInteger(maxRedirects) || maxRedirects < 0) {
    invalid(`maxRedirects must be a non-negative integer, got ${maxRedirects}`);
  }
  return {
    endpoints: [...options.endpoints],
    timeoutMs,
    attemptTimeoutMs,
    maxRedirects,
    consistency: options.consistency ?? 'linearizable',
    onRedirect: options.onRedirect ?? (() => {}),
  };
}

export function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) invalid(`${name} must be a positive integer, got ${value}`);
  return value;
}

function invalid(message: string): never {
  throw new KvClientError('invalid-argument', message);
}
