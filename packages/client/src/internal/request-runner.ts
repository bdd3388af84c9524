// Runs one request to completion: picks the node, follows not-leader redirects (bounded), retries
// with backoff and endpoint rotation until the deadline, and decides between a definite failure and
// outcome-unknown. The request body is rebuilt per attempt; the session stamp inside stays the same.
import type { ClientRequestBody, ClientResult } from '@raftkv/protocol';
import { KvClientError } from '../client-error.js';
import { backoffBaseMs, backoffMaxMs, type ResolvedOptions } from '../options.js';
import { type AttemptVerdict, judgeAttempt } from './attempt-verdict.js';
import type { EndpointPool } from './endpoint-pool.js';

/** 'leader': start at the known leader and follow redirects; 'any': any node; or one fixed address. */
export type Route = 'leader' | 'any' | { readonly address: string };

export interface RunSpec {
  readonly body: () => ClientRequestBody;
  readonly route: Route;
  /** Writes may take effect on an attempt that timed out; reads never do. */
  readonly effect: 'write' | 'read';
  /** Absolute time (Date.now()) after which the request gives up. */
  readonly deadline: number;
}

export type RunOutcome =
  | {
      readonly ok: true;
      readonly result: ClientResult;
      /** An earlier attempt of this request may have taken effect too. */
      readonly earlierMaybeApplied: boolean;
    }
  | { readonly ok: false; readonly error: KvClientError };

interface RunState {
  address: string;
  maybeApplied: boolean;
  redirects: number;
  retries: number;
  lastDetail: string;
}

export class RequestRunner {
  constructor(
    private readonly pool: EndpointPool,
    private readonly options: ResolvedOptions,
  ) {}

  async run(spec: RunSpec): Promise<RunOutcome> {
    const state: RunState = {
      address: this.firstAddress(spec.route),
      maybeApplied: false,
      redirects: 0,
      retries: 0,
      lastDetail: 'no attempt was made',
    };
    for (;;) {
      const stopped = this.stopReason(spec, state);
      if (stopped !== null) return { ok: false, error: stopped };
      const timeoutMs = Math.min(spec.deadline - Date.now(), this.options.attemptTimeoutMs);
      const exchange = await this.pool.socket(state.address).request(spec.body(), { timeoutMs });
      const outcome = await this.onVerdict(spec, state, judgeAttempt(exchange, state.address));
      if (outcome !== null) return outcome;
    }
  }

  private stopReason(spec: RunSpec, state: RunState): KvClientError | null {
    if (this.pool.isClosed) return new KvClientError('closed', 'the client was closed');
    if (spec.deadline - Date.now() > 0) return null;
    return this.unresolved(
      spec,
      state,
      'unavailable',
      `no node served the request in time (${state.lastDetail})`,
    );
  }

  /** Acts on one verdict: an outcome ends the request; null means try again from state.address. */
  private async onVerdict(
    spec: RunSpec,
    state: RunState,
    verdict: AttemptVerdict,
  ): Promise<RunOutcome | null> {
    switch (verdict.kind) {
      case 'done':
        if (spec.route === 'leader') this.pool.rememberLeader(state.address);
        return { ok: true, result: verdict.result, earlierMaybeApplied: state.maybeApplied };
      case 'fail':
        return { ok: false, error: this.definiteFailure(spec, state, verdict.error) };
      case 'redirect':
        return this.followRedirect(spec, state, verdict);
      case 'retry':
        state.maybeApplied ||= verdict.maybeApplied;
        state.lastDetail = verdict.detail;
        if (verdict.rotate) this.pool.markFailed(state.address);
        if (!verdict.waited) await this.backoff(state.retries++, spec.deadline);
        if (verdict.rotate) state.address = this.firstAddress(spec.route);
        return null;
    }
  }

  private followRedirect(
    spec: RunSpec,
    state: RunState,
    verdict: AttemptVerdict & { kind: 'redirect' },
  ): RunOutcome | null {
    if (typeof spec.route === 'object') {
      const error = new KvClientError('unavailable', `${state.address} is not the leader`);
      return { ok: false, error };
    }
    state.redirects += 1;
    if (state.redirects > this.options.maxRedirects) {
      const detail = `gave up after ${this.options.maxRedirects} not-leader redirects (the last named ${verdict.address})`;
      return { ok: false, error: this.unresolved(spec, state, 'too-many-redirects', detail) };
    }
    this.options.onRedirect({ from: state.address, to: verdict.address, leaderId: verdict.leaderId });
    this.pool.rememberLeader(verdict.address);
    state.address = verdict.address;
    return null;
  }

  private firstAddress(route: Route): string {
    if (route === 'leader') return this.pool.leaderOrNext();
    if (route === 'any') return this.pool.current();
    return route.address;
  }

  /**
   * A rejection after an attempt that may have applied a write is no longer definite: e.g. a
   * membership change retried after a lost answer is refused because the first one took effect.
   */
  private definiteFailure(spec: RunSpec, state: RunState, error: KvClientError): KvClientError {
    if (error.code !== 'rejected' || !state.maybeApplied || spec.effect !== 'write') return error;
    const message = `${error.message}; an earlier attempt may have been applied, so the outcome is unknown`;
    return new KvClientError('outcome-unknown', message);
  }

  /** Out of time or hops: outcome-unknown if a write may have applied, else the given definite code. */
  private unresolved(
    spec: RunSpec,
    state: RunState,
    code: 'unavailable' | 'too-many-redirects',
    detail: string,
  ): KvClientError {
    if (spec.effect === 'write' && state.maybeApplied) {
      return new KvClientError('outcome-unknown', `the write may or may not have been applied: ${detail}`);
    }
    return new KvClientError(code, detail);
  }

  /** Sleeps base·2^retry ms (capped, jittered, never past the deadline) between retries. */
  private async backoff(retry: number, deadline: number): Promise<void> {
    const ceilingMs = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(retry, 10));
    const delayMs = Math.min(ceilingMs * (0.5 + Math.random() / 2), Math.max(0, deadline - Date.now()));
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}
