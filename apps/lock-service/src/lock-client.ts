// LockClient: the lock service's tiny client. Sends each request to the member it last found leading,
// follows a member's pointer to the leader (421), moves on from one that does not answer, and retries
// a request whose outcome it did not learn (safe: acquire and release are idempotent). Bounded.
export interface LockAnswer {
  /** Acquired (or already held by this owner) / released / always true for a read. */
  readonly ok: boolean;
  readonly holder: string | null;
}

export class LockClientError extends Error {
  override readonly name = 'LockClientError';
}

export interface LockClientOptions {
  /** HTTP addresses of the members, e.g. ['http://127.0.0.1:8001']; any of them will do. */
  readonly endpoints: readonly string[];
  /** Attempts per request, across members and retries (default 60). */
  readonly attempts?: number;
  /** One attempt's bound (default 2,000 ms); the pause between attempts is 100 ms. */
  readonly attemptTimeoutMs?: number;
}

export class LockClient {
  private current = 0;

  constructor(private readonly options: LockClientOptions) {
    if (options.endpoints.length === 0) throw new LockClientError('at least one endpoint is needed');
  }

  acquire(lock: string, owner: string): Promise<LockAnswer> {
    return this.request('POST', `/locks/${encodeURIComponent(lock)}/acquire`, { owner });
  }

  release(lock: string, owner: string): Promise<LockAnswer> {
    return this.request('POST', `/locks/${encodeURIComponent(lock)}/release`, { owner });
  }

  /** Who holds `lock` now: a linearizable read on the leader (ReadIndex, thesis §6.4). */
  holder(lock: string): Promise<LockAnswer> {
    return this.request('GET', `/locks/${encodeURIComponent(lock)}`, undefined);
  }

  private async request(method: string, path: string, body: unknown): Promise<LockAnswer> {
    const attempts = this.options.attempts ?? 60;
    let last = 'no attempt';
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      const endpoint = this.options.endpoints[this.current]!;
      try {
        const response = await fetch(new URL(path, endpoint), {
          method,
          headers: { 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.options.attemptTimeoutMs ?? 2_000),
        });
        const answer = (await response.json()) as Record<string, unknown>;
        if (response.status === 200)
          return { ok: answer.ok === true, holder: (answer.holder as string | null) ?? null };
        if (response.status === 400 || response.status === 404 || response.status === 405)
          throw new LockClientError(`${method} ${path}: ${String(answer.error)}`);
        last = `${endpoint} answered ${response.status} ${String(answer.error)}`;
        const leader = typeof answer.leader === 'string' ? this.options.endpoints.indexOf(answer.leader) : -1;
        if (leader >= 0 && leader !== this.current) {
          this.current = leader;
          continue;
        }
      } catch (error) {
        if (error instanceof LockClientError) throw error;
        last = `${endpoint}: ${(error as Error).message}`;
      }
      this.current = (this.current + 1) % this.options.endpoints.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new LockClientError(`${method} ${path} failed after ${attempts} attempts; last: ${last}`);
  }
}
