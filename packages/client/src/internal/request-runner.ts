// Runs one request to completion: picks the node, follows not-leader redirects (bounded), retries
// with backoff and endpoint rotation until the deadline, and decides between a definite failure and
// outcome-unknown. The request body is rebuilt per attempt; the session stamp inside stays the same.
// Every retry backs off (retry-backoff.ts), a timed-out one too; only a redirect to a node this
// request has not been sent to yet goes at once.
import type { ClientRequestBody, ClientResult } from '@raftkv/protocol';
import { KvClientError } from '../client-error.js';
import type { ResolvedOptions } from '../options.js';
import { type AttemptVerdict, judgeAttempt } from './attempt-verdict.js';
import type { EndpointPool } from './endpoint-pool.js';
import { backoffDelayMs } from './retry-backoff.js';

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
  /** Addresses this request was sent to: a redirect back to one of them is a loop, not news. */
  readonly visited: Set<string>;
  /** Addresses that answered 'no-space' (their no-space alarm): not worth sending this request again. */
  readonly noSpace: Set<string>;
  lastDetail: string;
}

export class RequestRunner {
  constructor(
    private readonly pool: EndpointPool,
    private readonly options: ResolvedOptions,
    /** Jitter source; tests may pass a fixed one. */
    private readonly random: () => number = Math.random,
  ) {}

  async run(spec: RunSpec): Promise<RunOutcome> {
    const state: RunState = {
      address: this.firstAddress(spec.route),
      maybeApplied: false,
      redirects: 0,
      retries: 0,
      visited: new Set(),
      noSpace: new Set(),
      lastDetail: 'no attempt was made',
    };
    for (;;) {
      const stopped = this.stopReason(spec, state);
      if (stopped !== null) return { ok: false, error: stopped };
      const timeoutMs = Math.min(spec.deadline - Date.now(), this.options.attemptTimeoutMs);
      state.visited.add(state.address);
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
        if (verdict.error.code === 'no-space' && typeof spec.route !== 'object') {
          return this.afterNoSpace(spec, state, verdict.error);
        }
        return { ok: false, error: this.definiteFailure(spec, state, verdict.error) };
      case 'redirect': {
        // A leader this request has not tried yet is news: go at once. Back to a node already tried
        // (hints going round during an election) is a loop: wait as for any retry.
        const loop = state.visited.has(verdict.address);
        const outcome = this.followRedirect(spec, state, verdict);
        if (outcome === null && loop) await this.backoff(state.retries++, spec.deadline);
        return outcome;
      }
      case 'retry':
        state.maybeApplied ||= verdict.maybeApplied;
        state.lastDetail = verdict.detail;
        if (verdict.rotate) this.pool.markFailed(state.address);
        // After a timeout too: re-sending at once to a node too slow to answer the first attempt
        // would only add a second copy of the work to it.
        await this.backoff(state.retries++, spec.deadline);
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

  /**
   * That member's disk or map is full and it never proposed the request; a majority with space may
   * still commit it. An endpoint not tried yet is tried at once; one that answered something else
   * (e.g. no leader yet, while the others elect one) is retried after a backoff; once every
   * endpoint tried answered 'no-space', the request fails with it.
   */
  private async afterNoSpace(
    spec: RunSpec,
    state: RunState,
    error: KvClientError,
  ): Promise<RunOutcome | null> {
    state.noSpace.add(state.address);
    state.lastDetail = error.message;
    this.pool.markFailed(state.address);
    const untried = this.pool.unvisited(state.visited);
    if (untried !== null) {
      state.address = untried;
      return null;
    }
    const withSpace = this.pool.unvisited(state.noSpace);
    if (withSpace === null) return { ok: false, error };
    await this.backoff(state.retries++, spec.deadline);
    state.address = withSpace;
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

  /** Sleeps before retry number `retry` (see backoffDelayMs), never past the deadline. */
  private async backoff(retry: number, deadline: number): Promise<void> {
    const delayMs = backoffDelayMs(retry, deadline - Date.now(), this.random);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}
