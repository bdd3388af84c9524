// Replicas must reach identical state from identical entries whatever the apply batch boundaries
// (a safety property): one random command stream, heavy on sessions (retries, acknowledgements,
// expiry, eviction, full result tables), cut differently for each replica, with snapshot restores,
// restarts and failed store writes mixed in. Every stored key/value and snapshot byte must agree.
import { type Entry, SeededPrng } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import {
  type CommandSession,
  defaultKvLimits,
  encodeCommand,
  type KvApplyResult,
  type KvLimits,
  type KvOperation,
  type KvResult,
  KvStateMachine,
  type KvStore,
  type KvStoreSnapshotView,
  type KvStoreWriter,
  MemoryKvStore,
  type StoreMetadata,
} from '../src/index.js';
import { SessionTable } from '../src/internal/session-table.js';
import { configuration } from './harness.js';

const limits: KvLimits = {
  ...defaultKvLimits,
  sessionsMax: 4,
  resultsPerSessionMax: 4,
  sessionExpiryEntries: 40,
  clientIdBytesMax: 16,
};

const seeds = [11, 12, 13, 14, Date.now() % 1_000_000];

describe('apply is deterministic whatever the batch boundaries', () => {
  for (const seed of seeds) {
    it(`three replicas with different batch cuts store identical bytes (seed ${seed})`, () => {
      console.log(`batch-determinism seed ${seed}`);
      const outcome = runStream(seed, 2000);
      console.log(
        `seed ${seed}: errors ${JSON.stringify([...outcome.errorCodes])}, ${outcome.failedWrites} failed writes, ${outcome.restores} restores`,
      );
      // The stream really exercised what the session cache must get right.
      expect(outcome.errorCodes.get('session-expired') ?? 0).toBeGreaterThan(0);
      expect(outcome.errorCodes.get('sequence-acknowledged') ?? 0).toBeGreaterThan(0);
      expect(outcome.errorCodes.get('session-results-full') ?? 0).toBeGreaterThan(0);
      expect(outcome.failedWrites).toBeGreaterThan(0);
      expect(outcome.restores).toBeGreaterThan(0);
    });
  }

  it('a write that fails mid-batch leaves nothing behind: the retried batch matches a clean replica', () => {
    const entries = new StreamGenerator(new SeededPrng(99)).entries(300);
    const clean = new Replica();
    const faulty = new Replica();
    const cleanResults = clean.apply(entries);
    for (const operationsBeforeFailure of [0, 3, 17, 200, 1_000_000]) {
      faulty.store.failAfterOperations(operationsBeforeFailure);
      expect(() => faulty.apply(entries)).toThrow('injected store failure');
    }
    expect(faulty.apply(entries)).toEqual(cleanResults);
    expect(hexDump(faulty.store)).toEqual(hexDump(clean.store));
  });
});

describe('session records kept in memory for a batch', () => {
  it('client ids that differ only in lone surrogates share their one stored session within a batch', () => {
    // The wire never yields such strings (msgpackr decodes to well-formed text), but the state must
    // not depend on that: the store knows a session by its UTF-8 bytes, and both encode to 6c efbfbd.
    const commands: CommandSession[] = [
      { clientId: 'l\ud800', sequence: 1, firstUnacknowledgedSequence: 1 },
      { clientId: 'l\udbff', sequence: 2, firstUnacknowledgedSequence: 2 },
      { clientId: 'l\ud800', sequence: 3, firstUnacknowledgedSequence: 2 },
    ];
    const oneBatch = admitInBatches([commands]);
    expect(oneBatch).toEqual(admitInBatches(commands.map((command) => [command])));
    expect(oneBatch.filter((pair) => pair.startsWith('61'))).toHaveLength(1); // one activity key
  });
});

/** Admits each batch of session commands through a SessionTable (remembering a put result for each). */
function admitInBatches(batches: readonly CommandSession[][]): string[] {
  const store = new MemoryKvStore();
  const table = new SessionTable(limits);
  let index = 0;
  for (const batch of batches) {
    const metadata = { appliedIndex: index + batch.length, appliedTerm: 1, configuration };
    store.write(metadata, (writer) => {
      for (const command of batch) {
        index++;
        table.expire(writer, index);
        const admission = table.admit(writer, command, index, 0);
        const result: KvResult = { ok: true, revision: index, result: { type: 'put', previous: null } };
        if (admission.kind === 'execute') table.remember(writer, admission, command.sequence, result);
      }
      table.flush(writer);
    });
  }
  return hexDump(store);
}

interface StreamOutcome {
  readonly errorCodes: Map<string, number>;
  readonly failedWrites: number;
  readonly restores: number;
}

/** Applies `count` generated entries to three replicas cut differently; compares at common points. */
function runStream(seed: number, count: number): StreamOutcome {
  const random = new SeededPrng(seed);
  const generator = new StreamGenerator(new SeededPrng(seed + 1_000_003));
  const cuts = [new SeededPrng(seed + 1), new SeededPrng(seed + 2)];
  let replicas = [new Replica(), new Replica(), new Replica()];
  const outcome = { errorCodes: new Map<string, number>(), failedWrites: 0, restores: 0 };
  let applied = 0;
  while (applied < count) {
    const entries = generator.entries(1 + random.nextInt(120));
    const results = replicas.map((replica, position) =>
      // Replica 0 and 1 cut at random (up to 64 entries per batch); replica 2 applies one entry at a time.
      position < 2 ? replica.applyInCuts(entries, cuts[position]!, outcome) : replica.applyInCuts(entries),
    );
    expect(results[0]).toEqual(results[2]);
    expect(results[1]).toEqual(results[2]);
    for (const result of results[2]!) {
      if (result !== undefined && !result.ok)
        outcome.errorCodes.set(result.error.code, (outcome.errorCodes.get(result.error.code) ?? 0) + 1);
    }
    applied += entries.length;
    expectIdentical(replicas);
    replicas = replicas.map((replica) => {
      const choice = random.nextInt(10);
      if (choice === 0) {
        outcome.restores++;
        return Replica.restoredFrom(replicas[random.nextInt(replicas.length)]!);
      }
      return choice === 1 ? replica.restarted() : replica;
    });
  }
  return outcome;
}

function expectIdentical(replicas: readonly Replica[]): void {
  const [first, ...others] = replicas;
  const firstDump = hexDump(first!.store);
  const firstSnapshot = first!.snapshotBytes();
  for (const other of others) {
    expect(hexDump(other.store)).toEqual(firstDump);
    expect(other.snapshotBytes()).toEqual(firstSnapshot);
    expect(other.machine.currentRevision()).toBe(first!.machine.currentRevision());
  }
}

class Replica {
  constructor(
    readonly store = new FaultyStore(),
    readonly machine = new KvStateMachine(store, { limits }),
  ) {}

  static restoredFrom(source: Replica): Replica {
    const reader = source.machine.openSnapshot();
    const metadata = reader.metadata;
    reader.close();
    const replica = new Replica();
    replica.machine.restore({ metadata, chunks: source.snapshotChunks() });
    return replica;
  }

  /** A new state machine over the same store, as after a process restart. */
  restarted(): Replica {
    return new Replica(this.store);
  }

  apply(entries: readonly Entry[]): KvApplyResult[] {
    return this.machine.apply(entries);
  }

  /**
   * Applies `entries` in batches cut by `cut` (one entry per batch without it). Now and then a batch's
   * store write fails part-way (or at commit) and the same batch is applied again, as after a retry.
   */
  applyInCuts(
    entries: readonly Entry[],
    cut?: SeededPrng,
    outcome?: { failedWrites: number },
  ): KvApplyResult[] {
    const results: KvApplyResult[] = [];
    for (let start = 0; start < entries.length; ) {
      const size = cut === undefined ? 1 : 1 + cut.nextInt(cut.chance(0.5) ? 8 : 64);
      const batch = entries.slice(start, start + size);
      if (cut !== undefined && outcome !== undefined && cut.chance(0.1)) {
        this.store.failAfterOperations(cut.nextInt(4 * batch.length * 8));
        expect(() => this.apply(batch)).toThrow('injected store failure');
        outcome.failedWrites++;
      }
      results.push(...this.apply(batch));
      start += batch.length;
    }
    return results;
  }

  snapshotChunks(): Uint8Array[] {
    const reader = this.machine.openSnapshot();
    const chunks: Uint8Array[] = [];
    for (let offset = 0, chunk = reader.readChunk(0, 4096); chunk.length > 0; ) {
      chunks.push(chunk);
      offset += chunk.length;
      chunk = reader.readChunk(offset, 4096);
    }
    reader.close();
    return chunks;
  }

  snapshotBytes(): string {
    return this.snapshotChunks()
      .map((chunk) => Buffer.from(chunk).toString('hex'))
      .join('');
  }
}

/**
 * A MemoryKvStore whose next write can be made to fail after a number of store operations (or at
 * commit, when the batch makes fewer), like a disk that fills up: nothing of that write is kept.
 */
class FaultyStore implements KvStore {
  private readonly inner = new MemoryKvStore();
  private operationsUntilFailure: number | null = null;

  failAfterOperations(count: number): void {
    this.operationsUntilFailure = count;
  }

  metadata(): StoreMetadata {
    return this.inner.metadata();
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.inner.get(key);
  }

  range(start: Uint8Array, end: Uint8Array | null, limit: number): Array<[Uint8Array, Uint8Array]> {
    return this.inner.range(start, end, limit);
  }

  write<T>(metadata: StoreMetadata, body: (writer: KvStoreWriter) => T): T {
    return this.inner.write(metadata, (writer) => {
      const result = body(this.operationsUntilFailure === null ? writer : this.failingWriter(writer));
      if (this.operationsUntilFailure !== null) this.fail();
      return result;
    });
  }

  openSnapshotView(): KvStoreSnapshotView {
    return this.inner.openSnapshotView();
  }

  replaceAll(entries: Iterable<[Uint8Array, Uint8Array]>, metadata: StoreMetadata): void {
    this.inner.replaceAll(entries, metadata);
  }

  close(): void {
    this.inner.close();
  }

  private failingWriter(writer: KvStoreWriter): KvStoreWriter {
    const countdown = () => {
      if (this.operationsUntilFailure === 0) this.fail();
      this.operationsUntilFailure = (this.operationsUntilFailure ?? 1) - 1;
    };
    return {
      get: (key) => {
        countdown();
        return writer.get(key);
      },
      range: (start, end, limit) => {
        countdown();
        return writer.range(start, end, limit);
      },
      put: (key, value) => {
        countdown();
        writer.put(key, value);
      },
      delete: (key) => {
        countdown();
        writer.delete(key);
      },
    };
  }

  private fail(): never {
    this.operationsUntilFailure = null;
    throw new Error('injected store failure');
  }
}

interface Client {
  clientId: string;
  nextSequence: number;
  unacknowledged: number[];
}

/** Random log entries: mostly session commands from a few clients (more than sessionsMax of them). */
class StreamGenerator {
  private nextIndex = 1;
  // Two ids differ only in a lone surrogate: both encode to the same UTF-8 bytes, so one session.
  private readonly clients: Client[] = [
    'c0',
    'c1',
    'c2',
    'ç4',
    '🙂5',
    'l\ud800',
    'l\udbff',
    'x'.repeat(17),
  ].map((clientId) => ({ clientId, nextSequence: 1, unacknowledged: [] }));

  constructor(private readonly random: SeededPrng) {}

  entries(count: number): Entry[] {
    return Array.from({ length: count }, () => this.entry());
  }

  private entry(): Entry {
    const index = this.nextIndex++;
    if (index === 1 || this.random.chance(0.02))
      return { index, term: 1, kind: 'configuration', configuration };
    if (this.random.chance(0.08)) return { index, term: 1, kind: 'command', data: new Uint8Array(0) };
    if (this.random.chance(0.01)) return { index, term: 1, kind: 'command', data: Uint8Array.of(0xc1) };
    const operation = this.operation();
    const session = this.random.chance(0.85) ? this.session() : undefined;
    return { index, term: 1, kind: 'command', data: encodeCommand({ operation, session }) };
  }

  private session() {
    const random = this.random;
    const client = this.clients[random.nextInt(this.clients.length)]!;
    if (random.chance(0.1)) {
      client.nextSequence = 1; // the client restarts: a new session from sequence 1
      client.unacknowledged = [];
    }
    let sequence: number;
    if (client.unacknowledged.length > 0 && random.chance(0.25)) {
      sequence = client.unacknowledged[random.nextInt(client.unacknowledged.length)]!; // a retry
    } else if (client.nextSequence > 1 && random.chance(0.05)) {
      sequence = 1 + random.nextInt(client.nextSequence - 1); // a stale duplicate, maybe acknowledged
    } else {
      sequence = client.nextSequence++;
      client.unacknowledged.push(sequence);
    }
    // Answers arrive: a few, or (rarely) a long run, are acknowledged.
    const answered = random.chance(0.1) ? client.unacknowledged.length : random.chance(0.4) ? 1 : 0;
    client.unacknowledged.splice(0, Math.min(answered, Math.max(0, client.unacknowledged.length - 1)));
    const firstUnacknowledgedSequence = Math.min(sequence, client.unacknowledged[0] ?? sequence);
    return { clientId: client.clientId, sequence, firstUnacknowledgedSequence };
  }

  private operation(): KvOperation {
    const random = this.random;
    const key = () => Uint8Array.of(random.nextInt(3), random.nextInt(5));
    const value = () => Uint8Array.from({ length: random.nextInt(5) }, () => random.nextInt(256));
    switch (random.nextInt(8)) {
      case 0:
        return { type: 'get', key: key() };
      case 1:
        return { type: 'delete', key: key(), returnPrevious: random.chance(0.5) };
      case 2:
        return { type: 'range', start: key(), end: null, limit: 1 + random.nextInt(4) };
      case 3:
        return {
          type: 'compareAndSwap',
          key: key(),
          expected: { target: 'version', value: random.nextInt(3) },
          value: value(),
        };
      case 4:
        return {
          type: 'transaction',
          compares: [{ key: key(), target: 'version', operator: 'greater', value: random.nextInt(2) }],
          success: [{ type: 'put', key: key(), value: value() }],
          failure: [{ type: 'delete', key: key() }],
        };
      default:
        return { type: 'put', key: key(), value: value(), returnPrevious: random.chance(0.3) };
    }
  }
}

function hexDump(store: KvStore): string[] {
  return store
    .range(new Uint8Array(0), null, Number.MAX_SAFE_INTEGER)
    .map(([key, value]) => `${Buffer.from(key).toString('hex')}=${Buffer.from(value).toString('hex')}`);
}
