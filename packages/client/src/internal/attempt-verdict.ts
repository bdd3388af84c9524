// Classifies one attempt's exchange with a node: done, follow a redirect, retry (and whether the
// attempt may have taken effect), or fail definitely. Pure; the request runner acts on the verdict.
import type { ClientError, ClientResult, RejectionReason } from '@raftkv/protocol';
import type { ClientExchange } from '@raftkv/transport-zmq';
import { KvClientError } from '../client-error.js';

export type AttemptVerdict =
  | { readonly kind: 'done'; readonly result: ClientResult }
  | { readonly kind: 'redirect'; readonly address: string; readonly leaderId: string | null }
  | {
      readonly kind: 'retry';
      /** The attempt may have reached the log (a write must then be retried with the same sequence). */
      readonly maybeApplied: boolean;
      /** Try another node next (this one is unreachable or does not know a leader). */
      readonly rotate: boolean;
      readonly detail: string;
    }
  | { readonly kind: 'fail'; readonly error: KvClientError };

/** Rejections that pass once an election, transfer or membership change settles. */
const transientRejections: ReadonlySet<RejectionReason> = new Set<RejectionReason>([
  'leadership-transfer-in-progress',
  'membership-change-in-progress',
  'no-leader-commit-in-term',
  'superseded',
  'leadership-lost',
]);

export function judgeAttempt(exchange: ClientExchange, address: string): AttemptVerdict {
  if (exchange.ok) {
    const response = exchange.response;
    return response.ok ? { kind: 'done', result: response.result } : judgeError(response.error, address);
  }
  const { code, message } = exchange.error;
  switch (code) {
    case 'timeout':
      return retry(true, true, message);
    case 'bad-response':
      return retry(true, true, `${address} sent a bad response: ${message}`);
    case 'send-failed':
      return retry(false, true, message);
    case 'closed':
      return fail('closed', 'the client was closed');
    case 'request-too-large':
      return fail('request-too-large', message);
  }
}

function judgeError(error: ClientError, address: string): AttemptVerdict {
  const detail = `${address} answered ${error.code}: ${error.message}`;
  switch (error.code) {
    case 'not-leader':
      if (error.leaderClientAddress !== null && error.leaderClientAddress !== address) {
        return { kind: 'redirect', address: error.leaderClientAddress, leaderId: error.leaderId };
      }
      return retry(false, true, detail);
    case 'timeout':
    case 'outcome-unknown':
      return retry(true, false, detail);
    case 'overloaded':
      return retry(false, false, detail);
    case 'shutting-down':
      // The node may have proposed the write before it began to shut down.
      return retry(true, true, detail);
    case 'rejected':
      if (transientRejections.has(error.reason)) return retry(false, false, detail);
      return {
        kind: 'fail',
        error: new KvClientError('rejected', `${error.message} (${address})`, error.reason),
      };
    default:
      return fail(error.code, `${error.message} (${address})`);
  }
}

function retry(maybeApplied: boolean, rotate: boolean, detail: string): AttemptVerdict {
  return { kind: 'retry', maybeApplied, rotate, detail };
}

function fail(code: KvClientError['code'], message: string): AttemptVerdict {
  return { kind: 'fail', error: new KvClientError(code, message) };
}
