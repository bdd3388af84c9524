// The dashboard's built-in load: a few writers (POST /key) and readers (linearizable GET /key/<k>)
// against the leader's HTTP API, so a person can watch throughput dip under a fault and recover.
// Counts every answered request per second and keeps its latency for the percentiles.

export interface LoadTarget {
  /** The leader's HTTP base URL, or null while there is none. */
  leaderHttp(): string | null;
  /** The cluster's bearer token, or null for a plaintext cluster. */
  readonly token: string | null;
}

/** One second of load: requests that succeeded and their latencies in ms. */
export interface LoadSecond {
  writes: number;
  reads: number;
  errors: number;
  latenciesMs: number[];
}

const keys = 1000;
const requestTimeoutMs = 2000;
const idleMs = 100;

export class LoadGenerator {
  private running = false;
  private workers: Promise<void>[] = [];
  private current: LoadSecond = emptySecond();

  constructor(
    private readonly target: LoadTarget,
    private readonly writers = 4,
    private readonly readers = 4,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.workers = [
      ...Array.from({ length: this.writers }, (_, worker) => this.loop('write', worker)),
      ...Array.from({ length: this.readers }, (_, worker) => this.loop('read', worker)),
    ];
  }

  /** Stops and waits for the requests in flight (each bounded by its timeout). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers.splice(0));
  }

  /** The counts since the last call; the caller ticks once a second. */
  takeSecond(): LoadSecond {
    const second = this.current;
    this.current = emptySecond();
    return second;
  }

  private async loop(kind: 'write' | 'read', worker: number): Promise<void> {
    let sequence = 0;
    while (this.running) {
      const leader = this.target.leaderHttp();
      if (leader === null) {
        await new Promise((resolve) => setTimeout(resolve, idleMs));
        continue;
      }
      sequence += 1;
      const key = `load-${(worker * 7919 + sequence) % keys}`;
      const started = performance.now();
      const ok = await this.request(kind, leader, key, sequence);
      const elapsed = performance.now() - started;
      if (!ok) {
        this.current.errors += 1;
        await new Promise((resolve) => setTimeout(resolve, idleMs));
        continue;
      }
      if (kind === 'write') this.current.writes += 1;
      else this.current.reads += 1;
      this.current.latenciesMs.push(elapsed);
    }
  }

  private async request(
    kind: 'write' | 'read',
    leader: string,
    key: string,
    sequence: number,
  ): Promise<boolean> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.target.token !== null) headers.authorization = `Bearer ${this.target.token}`;
    try {
      const response =
        kind === 'write'
          ? await fetch(`${leader}/key`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ [key]: String(sequence) }),
              signal: AbortSignal.timeout(requestTimeoutMs),
            })
          : await fetch(`${leader}/key/${key}`, { headers, signal: AbortSignal.timeout(requestTimeoutMs) });
      await response.arrayBuffer();
      // A read of a key not written yet is a 404, still an answered linearizable read.
      return response.ok || (kind === 'read' && response.status === 404);
    } catch {
      return false;
    }
  }
}

function emptySecond(): LoadSecond {
  return { writes: 0, reads: 0, errors: 0, latenciesMs: [] };
}

/** The p-th percentile (0..100) of `values` by nearest rank; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
