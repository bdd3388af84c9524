// The simulated KV clients: each has an exactly-once session (thesis §6.3, as @raftkv/client keeps
// one) and issues put, delete, compare-and-swap and single-key transactions with unique values, and
// gets through linearizable reads. A write that times out or is refused is proposed again with the
// SAME session sequence, to the same or another node; every operation is recorded for the
// linearizability check. Clients talk to nodes directly (no simulated network); a crash loses answers.
import {
  type CommandSession,
  encodeCommand,
  type KvApplyResult,
  type KvOperation,
  type KvResult,
} from '@raftkv/kv';
import type { NodeId, ProposalResult, ReadResult, SeededPrng } from '@raftkv/raft';
import type {
  KvInput,
  KvOperation as RecordedOperation,
  KvResult as RecordedResult,
} from '../linearizability/index.js';
import type { SafetyCheckers } from './checkers/safety-checkers.js';
import type { Cluster } from './cluster.js';
import type { KvKnobs } from './knobs.js';
import { fromUtf8, resultText, utf8 } from './kv-text.js';
import type { Trace } from './trace.js';

export interface KvClientCounters {
  /** Every proposal of a write, first attempts and retries. */
  proposals: number;
  writes: number;
  /** Proposals of a write after its first: same client id and sequence (thesis §6.3). */
  sessionRetries: number;
  /** Writes that ended with an unknown outcome (every attempt timed out or may have applied). */
  writesUnknown: number;
  reads: number;
  /** Linearizable reads a follower served through the leader's read index (thesis §6.4.1). */
  followerReadsServed: number;
  /** Client sessions replaced because their sequence 1 was not confirmed as applied. */
  sessionsRenewed: number;
  /** Writes answered 'no-space': a cluster alarm was applied (alarm-injector.ts), nothing written. */
  writesRefusedNoSpace: number;
}

export interface KvClientSettings {
  /** An attempt unanswered for this many steps is presumed lost (it may still apply). */
  readonly attemptTimeoutSteps: number;
  /** Attempts per write before the client gives up (outcome unknown if any may have applied). */
  readonly attemptsMax: number;
  /** The first backoff after a refusal without a leader to redirect to; it doubles per attempt. */
  readonly backoffBaseSteps: number;
  /** How long a client waits on its hinted leader before it tries other nodes (failover). */
  readonly failoverSteps: number;
}

/** One client session: the KV state machine creates it when sequence 1 applies. */
interface ClientSession {
  readonly clientId: string;
  nextSequence: number;
  confirmed: boolean;
  /** Sequences sent and not yet answered or given up. */
  readonly outstanding: Set<number>;
}

interface SimClient {
  readonly name: string;
  generation: number;
  session: ClientSession;
}

interface WriteRequest {
  readonly label: string;
  readonly session: ClientSession;
  readonly sequence: number;
  readonly operation: KvOperation;
  readonly input: KvInput;
  readonly invokedAt: number;
  attempts: number;
  attemptStartedAt: number;
  /** The node the current attempt went to (null: none was running). */
  attemptTarget: NodeId | null;
  /** Some attempt timed out or was answered outcome-unknown: it may have applied. */
  maybeApplied: boolean;
  /** After a refusal: the step at which to propose again (null: the attempt awaits its answer). */
  retryAtStep: number | null;
  done: boolean;
}

interface ReadRequest {
  readonly issuedAt: number;
  readonly target: NodeId;
  done: boolean;
}

const newSession = (client: SimClient): ClientSession => ({
  clientId: `${client.name}.${client.generation}`,
  nextSequence: 1,
  confirmed: false,
  outstanding: new Set(),
});

export class KvClients {
  readonly counters: KvClientCounters = {
    proposals: 0,
    writes: 0,
    sessionRetries: 0,
    writesUnknown: 0,
    reads: 0,
    followerReadsServed: 0,
    sessionsRenewed: 0,
    writesRefusedNoSpace: 0,
  };
  private readonly clients: SimClient[];
  private readonly writes = new Set<WriteRequest>();
  private readonly reads = new Map<number, ReadRequest>();
  private readonly recorded: RecordedOperation[] = [];
  /** The latest value each key is known to hold (null: absent), for compare-and-swap expectations. */
  private readonly lastKnown = new Map<string, string | null>();
  private leaderHint: NodeId | null = null;
  private nextValue = 1;
  private nextRead = 1;

  constructor(
    private readonly random: SeededPrng,
    private readonly knobs: KvKnobs,
    /** Share of writes that are plain puts. */
    private readonly putShare: number,
    private readonly keyCount: number,
    private readonly settings: KvClientSettings,
    private readonly cluster: Cluster,
    private readonly checkers: SafetyCheckers,
    private readonly trace: Trace,
    private readonly now: () => number,
  ) {
    this.clients = Array.from({ length: knobs.clientCount }, (_, i) => {
      const client: SimClient = { name: `c${i + 1}`, generation: 0, session: null as never };
      client.session = newSession(client);
      return client;
    });
  }

  /** Requests (writes and reads) still waiting for an answer. */
  get outstanding(): number {
    return this.writes.size + this.reads.size;
  }

  /** Every recorded operation so far, for the linearizability check. */
  get history(): readonly RecordedOperation[] {
    return this.recorded;
  }

  /** Retries writes whose attempt timed out or was refused; forgets reads that went unanswered. */
  runStep(): void {
    const step = this.now();
    for (const request of this.writes) {
      // An attempt times out only while it awaits its answer (a refused one is settled).
      const retryDue = request.retryAtStep !== null && step >= request.retryAtStep;
      const timedOut =
        request.retryAtStep === null && step - request.attemptStartedAt > this.settings.attemptTimeoutSteps;
      if (!retryDue && !timedOut) continue;
      if (timedOut) request.maybeApplied = true;
      if (request.attempts >= this.settings.attemptsMax) {
        this.finish(request, request.maybeApplied ? { status: 'unknown' } : { status: 'failed' });
        continue;
      }
      this.counters.sessionRetries += 1;
      this.send(request);
    }
    for (const [id, read] of this.reads) {
      if (step - read.issuedAt > this.settings.attemptTimeoutSteps) this.reads.delete(id);
    }
  }

  /** Issues one write from a client whose session may take it (sequence 1 must apply first). */
  issueWrite(): void {
    const ready = this.clients.filter(
      (client) => client.session.confirmed || client.session.outstanding.size === 0,
    );
    if (ready.length === 0) return;
    const client = ready[this.random.nextInt(ready.length)]!;
    const session = client.session;
    const sequence = session.nextSequence;
    session.nextSequence += 1;
    session.outstanding.add(sequence);
    const { operation, input } = this.drawWrite();
    const request: WriteRequest = {
      label: `${session.clientId}#${sequence}`,
      session,
      sequence,
      operation,
      input,
      invokedAt: this.now(),
      attempts: 0,
      attemptStartedAt: 0,
      attemptTarget: null,
      maybeApplied: false,
      retryAtStep: null,
      done: false,
    };
    this.writes.add(request);
    this.counters.writes += 1;
    this.send(request);
  }

  /**
   * Issues one linearizable read (a get, thesis §6.4); reads carry no session and are not retried.
   * Half go to any running member, so followers serve many of them (thesis §6.4.1).
   */
  issueRead(): void {
    const running = this.cluster.running();
    const target =
      running.length > 0 && this.random.chance(0.5)
        ? running[this.random.nextInt(running.length)]!.id
        : this.pickTarget();
    if (target === null) return;
    const readId = this.nextRead;
    this.nextRead += 1;
    const key = this.drawKey();
    const read: ReadRequest = { issuedAt: this.now(), target, done: false };
    this.reads.set(readId, read);
    this.counters.reads += 1;
    this.checkers.reads.onIssued(readId, key);
    if (this.trace.on) this.record(`client reads ${key} (#${readId}) from ${target}`);
    this.cluster.node(target)?.actor?.deliver({
      type: 'read',
      query: { type: 'get', key: utf8(key) },
      onResult: (result) => this.onRead(readId, read, key, target, result),
    });
  }

  /** Ends every write still in flight as unknown (the run is over). */
  finishAll(): void {
    for (const request of this.writes) this.finish(request, { status: 'unknown' });
  }

  private send(request: WriteRequest): void {
    request.attempts += 1;
    request.attemptStartedAt = this.now();
    request.retryAtStep = null;
    request.attemptTarget = null;
    const target = this.pickTarget();
    if (target === null) return;
    request.attemptTarget = target;
    const session = this.stamp(request);
    const data = encodeCommand({ operation: request.operation, session });
    const attemptNumber = request.attempts;
    const attempt = this.trace.on ? `${request.label} (attempt ${attemptNumber})` : request.label;
    this.counters.proposals += 1;
    this.checkers.proposals.onProposed(request.label, data);
    if (this.trace.on) this.record(`client proposes ${attempt} ${describeInput(request.input)} to ${target}`);
    this.cluster.node(target)?.actor?.deliver({
      type: 'propose',
      data,
      onResult: (result) => this.onWriteResult(request, attemptNumber, attempt, data, target, result),
    });
  }

  /** firstUnacknowledgedSequence is the lowest sequence of the session still unanswered. */
  private stamp(request: WriteRequest): CommandSession {
    let first = request.sequence;
    for (const sequence of request.session.outstanding) first = Math.min(first, sequence);
    return {
      clientId: request.session.clientId,
      sequence: request.sequence,
      firstUnacknowledgedSequence: first,
    };
  }

  private onWriteResult(
    request: WriteRequest,
    attemptNumber: number,
    attempt: string,
    data: Uint8Array,
    target: NodeId,
    result: ProposalResult<KvApplyResult>,
  ): void {
    this.checkers.proposals.onResult(request.label, data, target, result);
    if (!result.ok) {
      if (this.trace.on) this.record(`${attempt} on ${target}: ${result.reason}`);
      if (result.leaderHint !== null) this.leaderHint = result.leaderHint;
      if (request.done) return;
      if (result.reason === 'outcome-unknown') request.maybeApplied = true;
      // A late refusal of an earlier attempt: the current one still awaits its answer.
      if (attemptNumber !== request.attempts) return;
      // A redirect to a running leader is followed at once; otherwise back off (base·2^attempt, as
      // @raftkv/client does), so that an election can finish before the attempts run out.
      const redirect = result.leaderHint === null ? undefined : this.cluster.node(result.leaderHint);
      const backoff =
        result.reason === 'not-leader' && redirect?.isUp === true
          ? 1
          : Math.min(
              this.settings.attemptTimeoutSteps,
              this.settings.backoffBaseSteps * 2 ** (request.attempts - 1),
            );
      request.retryAtStep = this.now() + backoff;
      return;
    }
    this.leaderHint = target;
    const answer = result.result;
    if (this.trace.on)
      this.record(`${attempt} on ${target}: ok at ${result.index}/${result.term}: ${resultText(answer)}`);
    // A stale copy of a request already answered: the state machine refused it without applying.
    if (answer?.ok === false && answer.error.code === 'sequence-acknowledged') return;
    this.checkers.exactlyOnce.onAnswer(
      request.session.clientId,
      request.sequence,
      target,
      result.index,
      answer,
    );
    if (request.done) return;
    if (answer === undefined || !answer.ok) {
      if (answer?.error.code === 'no-space') this.counters.writesRefusedNoSpace += 1;
      this.finish(request, request.maybeApplied ? { status: 'unknown' } : { status: 'failed' });
      return;
    }
    if (request.sequence === 1) request.session.confirmed = true;
    this.learn(request.input, answer);
    this.checkers.reads.onCompleted(result.index);
    this.finish(request, { status: 'ok', result: recordedResult(answer) });
  }

  private onRead(
    readId: number,
    read: ReadRequest,
    key: string,
    target: NodeId,
    result: ReadResult<KvApplyResult>,
  ): void {
    this.reads.delete(readId);
    // Followers serve reads too: only a leader's answer says where writes should go.
    const servedByLeader = result.ok && this.cluster.node(target)?.role === 'leader';
    if (servedByLeader) this.leaderHint = target;
    else if (!result.ok && result.leaderHint !== null) this.leaderHint = result.leaderHint;
    if (result.ok && !servedByLeader && !read.done) this.counters.followerReadsServed += 1;
    const value = result.ok ? readValue(result.result) : undefined;
    if (this.trace.on)
      this.record(
        `read #${readId} on ${target}: ${result.ok ? `ok at ${result.index}: ${JSON.stringify(value)}` : result.reason}`,
      );
    this.checkers.reads.onResult(
      readId,
      target,
      result.ok ? { ok: true, index: result.index, result: value } : result,
      this.cluster.node(target)?.term,
    );
    if (!result.ok || read.done) return;
    read.done = true;
    this.lastKnown.set(key, value ?? null);
    this.recorded.push({
      process: `read-${target}`,
      input: { type: 'get', key },
      invokedAt: read.issuedAt,
      completedAt: this.now(),
      outcome: { status: 'ok', result: value ?? null },
    });
  }

  private finish(request: WriteRequest, outcome: RecordedOperation['outcome']): void {
    request.done = true;
    this.writes.delete(request);
    const session = request.session;
    session.outstanding.delete(request.sequence);
    if (outcome.status === 'unknown') this.counters.writesUnknown += 1;
    this.recorded.push({
      process: session.clientId,
      input: request.input,
      invokedAt: request.invokedAt,
      ...(outcome.status === 'ok' ? { completedAt: this.now() } : {}),
      outcome,
    });
    if (request.sequence !== 1 || outcome.status === 'ok') return;
    // Sequence 1 did not surely apply: the session may not exist, so the client starts a new one.
    const client = this.clients.find((candidate) => candidate.session === session);
    if (client === undefined) return;
    client.generation += 1;
    client.session = newSession(client);
    this.counters.sessionsRenewed += 1;
  }

  /** Remembers what an answer tells about its key, for later compare-and-swap expectations. */
  private learn(input: KvInput, answer: KvResult & { ok: true }): void {
    const outcome = answer.result;
    if (input.type === 'put') {
      this.lastKnown.set(input.key, input.value);
    } else if (input.type === 'delete') {
      this.lastKnown.set(input.key, null);
    } else if (input.type === 'cas' && outcome.type === 'compareAndSwap') {
      const current = outcome.current;
      const value = outcome.succeeded ? input.value : current === null ? null : fromUtf8(current.value);
      this.lastKnown.set(input.key, value);
    } else if (input.type === 'cas' && outcome.type === 'transaction') {
      const read = outcome.results[0];
      if (outcome.succeeded) this.lastKnown.set(input.key, input.value);
      else if (read?.type === 'get') {
        this.lastKnown.set(input.key, read.keyValue === null ? null : fromUtf8(read.keyValue.value));
      }
    }
  }

  /** A write with a unique value: put, delete, compare-and-swap or a one-key transaction (a CAS). */
  private drawWrite(): { operation: KvOperation; input: KvInput } {
    const key = this.drawKey();
    const value = `v${this.nextValue}`;
    this.nextValue += 1;
    const { deleteShare, transactionShare } = this.knobs;
    const draw = this.random.nextInt(1000) / 1000;
    if (draw < this.putShare) {
      return {
        operation: { type: 'put', key: utf8(key), value: utf8(value) },
        input: { type: 'put', key, value },
      };
    }
    if (draw < this.putShare + deleteShare) {
      return { operation: { type: 'delete', key: utf8(key) }, input: { type: 'delete', key } };
    }
    const expected = this.lastKnown.get(key) ?? null;
    const input: KvInput = { type: 'cas', key, expected, value };
    if (draw < this.putShare + deleteShare + transactionShare) {
      const compare =
        expected === null
          ? { key: utf8(key), target: 'version' as const, operator: 'equal' as const, value: 0 }
          : { key: utf8(key), target: 'value' as const, operator: 'equal' as const, value: utf8(expected) };
      return {
        operation: {
          type: 'transaction',
          compares: [compare],
          success: [{ type: 'put', key: utf8(key), value: utf8(value) }],
          failure: [{ type: 'get', key: utf8(key) }],
        },
        input,
      };
    }
    return {
      operation: {
        type: 'compareAndSwap',
        key: utf8(key),
        expected:
          expected === null ? { target: 'version', value: 0 } : { target: 'value', value: utf8(expected) },
        value: utf8(value),
      },
      input,
    };
  }

  private drawKey(): string {
    return `k${this.random.nextInt(this.keyCount)}`;
  }

  /**
   * The last leader hint when that node runs (most of the time), else a random running node. Like a
   * real client, it fails over: a hinted node that left a request unanswered for failoverSteps (it
   * may be paused or cut off) loses the hint until a node answers again.
   */
  private pickTarget(): NodeId | null {
    if (this.leaderHint !== null && this.hintIsSilent(this.leaderHint)) this.leaderHint = null;
    const hinted = this.leaderHint === null ? undefined : this.cluster.node(this.leaderHint);
    if (hinted?.isUp && this.random.chance(0.8)) return hinted.id;
    const running = this.cluster.running();
    return running.length === 0 ? null : running[this.random.nextInt(running.length)]!.id;
  }

  private hintIsSilent(hint: NodeId): boolean {
    const step = this.now();
    for (const request of this.writes) {
      const awaiting = request.retryAtStep === null && request.attemptTarget === hint;
      if (awaiting && step - request.attemptStartedAt > this.settings.failoverSteps) return true;
    }
    for (const read of this.reads.values()) {
      if (read.target === hint && step - read.issuedAt > this.settings.failoverSteps) return true;
    }
    return false;
  }

  private record(text: string): void {
    if (this.trace.on) this.trace.record(this.now(), text);
  }
}

/** The value a get returned, as text (undefined when absent or not a get). */
function readValue(result: KvApplyResult): string | undefined {
  if (result === undefined || !result.ok || result.result.type !== 'get' || result.result.keyValue === null)
    return undefined;
  return fromUtf8(result.result.keyValue.value);
}

/** What the linearizability model observes: null for put and delete, whether it swapped for a CAS. */
function recordedResult(answer: KvResult & { ok: true }): RecordedResult {
  const outcome = answer.result;
  if (outcome.type === 'compareAndSwap' || outcome.type === 'transaction') return outcome.succeeded;
  return null;
}

function describeInput(input: KvInput): string {
  switch (input.type) {
    case 'get':
      return `get ${input.key}`;
    case 'put':
      return `put ${input.key}=${input.value}`;
    case 'delete':
      return `delete ${input.key}`;
    case 'cas':
      return `cas ${input.key} ${JSON.stringify(input.expected)}→${input.value}`;
  }
}
