// The pause before a request's next attempt: exponential in the number of retries so far, capped,
// with jitter, and never past the request's deadline. Pure; the caller passes the randomness in.
import { backoffBaseMs, backoffMaxMs } from '../options.js';

/**
 * Milliseconds to wait before retry number `retry` (0 for the first): a ceiling of
 * `backoffBaseMs`·2^retry, at most `backoffMaxMs`, jittered down to between half of it and all of it
 * ("equal jitter": clients that failed together do not come back together, yet each waits a
 * meaningful time), and at most `remainingMs`, so the request's overall timeout bounds the total.
 */
export function backoffDelayMs(retry: number, remainingMs: number, random: () => number): number {
  const ceilingMs = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(Math.max(0, retry), 20));
  return Math.max(0, Math.min(ceilingMs * (0.5 + random() / 2), remainingMs));
}
