// The chaos workload: concurrent clients, each its own KvClient (one session) with one operation in
// flight, issuing get / put / cas / delete over a few dozen keys with values unique across the run,
// every operation recorded, each client starting at a different member. Decides nothing about faults;
// never retries an operation itself.
import { KvClient, KvClientError } from '@raftkv/client';
import type { KvInput, KvResult, Outcome } from '@raftkv/sim';
import type { HistoryRecorder } from './history-recorder.js';
import { SeededRandom } from './seeded-random.js';

export interface WorkloadOptions {
  readonly clients: number;
  readonly keys: number;
  readonly seed: number;
  /** A write that has not completed by then is recorded as unknown (the client's own verdict). */
  readonly timeoutMs: number;
}

const decoder = new TextDecoder();

export const keyName = (index: number): string => `k${String(index).padStart(3, '0')}`;

export class Workload {
  private running = false;
  private readonly workers: Promise<void>[] = [];
  private endpoints: readonly string[] = [];
  private generation = 0;

  constructor(
    private readonly options: WorkloadOptions,
    private readonly recorder: HistoryRecorder,
  ) {}

  /** Starts the clients; `endpoints` are the members' client addresses. */
  start(endpoints: readonly string[]): void {
    this.endpoints = endpoints;
    this.running = true;
    for (let index = 0; index < this.options.clients; index += 1) {
      this.workers.push(this.runWorker(index, new SeededRandom(this.options.seed + 7919 * (index + 1))));
    }
  }

  /** Membership changed: each client reconnects to these endpoints before its next operation. */
  setEndpoints(endpoints: readonly string[]): void {
    this.endpoints = endpoints;
    this.generation += 1;
  }

  /** Stops issuing and waits until every operation in flight has an outcome. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private async runWorker(index: number, random: SeededRandom): Promise<void> {
    const name = `c${index + 1}`;
    let generation = this.generation;
    let client = this.newClient(index);
    const known = new Map<string, string | null>();
    let sequence = 0;
    try {
      while (this.running) {
        if (generation !== this.generation) {
          client.close();
          client = this.newClient(index);
          generation = this.generation;
        }
        sequence += 1;
        const input = this.nextInput(random, known, `${name}.${sequence}`);
        const outcome = await runOperation(client, input, this.recorder, name);
        remember(known, input, outcome);
      }
    } finally {
      client.close();
    }
  }

  /**
   * Client `index` starts at member `index` (mod the member count): every member, followers included,
   * serves linearizable reads (thesis §6.4.1), so the reads spread over them all; writes still find
   * the leader through not-leader redirects.
   */
  private newClient(index: number): KvClient {
    const shift = this.endpoints.length === 0 ? 0 : index % this.endpoints.length;
    const endpoints = [...this.endpoints.slice(shift), ...this.endpoints.slice(0, shift)];
    return new KvClient({ endpoints, timeoutMs: this.options.timeoutMs });
  }

  private nextInput(random: SeededRandom, known: Map<string, string | null>, value: string): KvInput {
    const key = keyName(random.between(0, this.options.keys - 1));
    const roll = random.next();
    if (roll < 0.4) return { type: 'get', key };
    if (roll < 0.7) return { type: 'put', key, value };
    if (roll < 0.9) return { type: 'cas', key, expected: known.get(key) ?? null, value };
    return { type: 'delete', key };
  }
}

/** Runs one operation and records it; the outcome follows the client's own classification. */
export async function runOperation(
  client: KvClient,
  input: KvInput,
  recorder: HistoryRecorder,
  process: string,
): Promise<Outcome<KvResult>> {
  const complete = recorder.invoke(process, input);
  try {
    const outcome: Outcome<KvResult> = { status: 'ok', result: await call(client, input) };
    complete(outcome);
    return outcome;
  } catch (error) {
    const code = error instanceof KvClientError ? error.code : `exception: ${(error as Error).message}`;
    const mayHaveApplied = input.type !== 'get' && !(error instanceof KvClientError && !error.outcomeUnknown);
    const outcome: Outcome<KvResult> = mayHaveApplied ? { status: 'unknown' } : { status: 'failed' };
    complete(outcome, code);
    return outcome;
  }
}

async function call(client: KvClient, input: KvInput): Promise<KvResult> {
  switch (input.type) {
    case 'get': {
      const got = await client.get(input.key);
      return got.found ? decoder.decode(got.keyValue.value) : null;
    }
    case 'put':
      await client.put(input.key, input.value);
      return null;
    case 'delete':
      await client.delete(input.key);
      return null;
    case 'cas': {
      const expected = input.expected === null ? { version: 0 } : { value: input.expected };
      return (await client.cas(input.key, expected, input.value)).succeeded;
    }
  }
}

/** What this client last saw in a key, so its next cas has a fair chance to succeed. */
function remember(known: Map<string, string | null>, input: KvInput, outcome: Outcome<KvResult>): void {
  if (outcome.status !== 'ok') return;
  if (input.type === 'get') known.set(input.key, outcome.result as string | null);
  else if (input.type === 'put') known.set(input.key, input.value);
  else if (input.type === 'delete') known.set(input.key, null);
  else if (outcome.result === true) known.set(input.key, input.value);
  else known.delete(input.key);
}
