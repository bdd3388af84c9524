// The apply micro-benchmark's workload and timer (bench only, NOT a test): put commands with client
// sessions cut into apply batches as a leader under load commits them, timed over any KvStore.
import type { Entry, NodeId } from '@raftkv/raft';
import { type CommandSession, encodeCommand, KvStateMachine, type KvStore } from '../src/index.js';

/** The workload: what tools/bench sends with one KvClient (16-byte keys, 256-byte values). */
export interface ApplyWorkload {
  readonly commandCount: number;
  /** Commands per apply() call (a committed batch; 50–200 under 256 puts in flight). */
  readonly batchSize: number;
  /** Client sessions, used round-robin; 0 sends every put without a session. */
  readonly sessionCount: number;
  /** Each session's sequences in flight: firstUnacknowledgedSequence trails the sequence by this. */
  readonly inFlight: number;
  readonly keyCount: number;
  readonly valueBytes: number;
}

export const defaultWorkload: ApplyWorkload = {
  commandCount: 100_000,
  batchSize: 128,
  sessionCount: 1,
  inFlight: 256,
  keyCount: 10_000,
  valueBytes: 256,
};

/** A store to measure, opened fresh for each run and disposed after it. */
export interface BenchStore {
  readonly store: KvStore;
  dispose(): void;
}

const configurationEntry: Entry = {
  index: 1,
  term: 1,
  kind: 'configuration',
  configuration: { members: [{ id: 'n1' as NodeId, role: 'voter', address: 'tcp://127.0.0.1:1' }] },
};

/** The log: a configuration entry at index 1, then the workload's put commands, encoded up front. */
export function workloadBatches(workload: ApplyWorkload): Entry[][] {
  const value = Uint8Array.from({ length: workload.valueBytes }, (_, position) => (position * 31) & 0xff);
  const sequences = new Array<number>(workload.sessionCount).fill(0);
  const entries: Entry[] = [];
  for (let number = 0; number < workload.commandCount; number++) {
    const key = utf8.encode(`key-${(number % workload.keyCount).toString().padStart(12, '0')}`);
    const session = workload.sessionCount === 0 ? undefined : nextSession(workload, sequences, number);
    const data = encodeCommand({ operation: { type: 'put', key, value }, session });
    entries.push({ index: number + 2, term: 1, kind: 'command', data });
  }
  const batches: Entry[][] = [[configurationEntry]];
  for (let first = 0; first < entries.length; first += workload.batchSize)
    batches.push(entries.slice(first, first + workload.batchSize));
  return batches;
}

const utf8 = new TextEncoder();

/** Command `number` goes to session number % sessionCount, at that session's next sequence. */
function nextSession(workload: ApplyWorkload, sequences: number[], number: number): CommandSession {
  const sessionNumber = number % workload.sessionCount;
  const sequence = (sequences[sessionNumber] ?? 0) + 1;
  sequences[sessionNumber] = sequence;
  const firstUnacknowledgedSequence = Math.max(1, sequence - workload.inFlight + 1);
  return { clientId: `bench-client-${sessionNumber}`, sequence, firstUnacknowledgedSequence };
}

/** One run: commands per second of wall time, and per second of CPU time this process used. */
export interface ApplyRate {
  readonly wallPerSecond: number;
  readonly cpuPerSecond: number;
}

/**
 * Applies the whole workload to a fresh store `runs` times. CPU time (process.cpuUsage, GC included)
 * is the figure to compare: it leaves out fsync waits and other processes sharing the cores.
 */
export function measureApply(
  openStore: () => BenchStore,
  workload: ApplyWorkload,
  runs: number,
): ApplyRate[] {
  const batches = workloadBatches(workload);
  const rates: ApplyRate[] = [];
  for (let run = 0; run < runs; run++) {
    const { store, dispose } = openStore();
    try {
      rates.push(timeApply(new KvStateMachine(store), batches, workload.commandCount));
    } finally {
      dispose();
    }
  }
  return rates;
}

function timeApply(machine: KvStateMachine, batches: readonly Entry[][], commandCount: number): ApplyRate {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  for (const batch of batches) {
    const failed = machine.apply(batch).find((result) => result !== undefined && !result.ok);
    if (failed !== undefined) throw new Error(`apply bench: a put failed: ${JSON.stringify(failed)}`);
  }
  const cpu = process.cpuUsage(cpuStart);
  const wallSeconds = (performance.now() - wallStart) / 1000;
  return {
    wallPerSecond: commandCount / wallSeconds,
    cpuPerSecond: commandCount / ((cpu.user + cpu.system) / 1_000_000),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const rounded = (value: number): string => Math.round(value).toLocaleString('en-US');

/** One printed table row: median commands per CPU second (and each run), median per wall second. */
export function describeRates(label: string, rates: readonly ApplyRate[]): string {
  const cpu = rates.map((rate) => rate.cpuPerSecond);
  const wall = rates.map((rate) => rate.wallPerSecond);
  return `| ${label} | ${rounded(median(cpu))} | ${cpu.map(rounded).join(' / ')} | ${rounded(median(wall))} |`;
}

export function workloadLabel(store: string, workload: ApplyWorkload): string {
  const sessions =
    workload.sessionCount === 0
      ? 'no session'
      : `${workload.sessionCount} session${workload.sessionCount === 1 ? '' : 's'}, ${workload.inFlight} in flight`;
  return `${store}: ${workload.commandCount.toLocaleString('en-US')} puts, ${sessions}, batch ${workload.batchSize}`;
}
