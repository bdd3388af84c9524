// The bench's settings: parsing and validation of the command line's values into one BenchOptions.
// Pure: no I/O, no process exit; bad input becomes an OptionError with a message naming the flag.

export type Operation = 'put' | 'get' | 'mixed';
export type Consistency = 'linearizable' | 'serializable';
/**
 * Which raftkv members the load talks to: 'client' one KvClient over every endpoint (as an
 * application would); 'leader' or 'follower' that one member only; 'all' one KvClient per member,
 * the lanes spread evenly over them. Followers serve linearizable reads (thesis §6.4.1).
 */
export type ReadAt = 'client' | 'leader' | 'follower' | 'all';

export interface Workload {
  readonly operation: Operation;
  readonly consistency: Consistency;
  /** Requests in flight at once, over all load processes (closed loop). */
  readonly inFlight: number;
  /** Fraction of gets in a mixed workload, 0..1. */
  readonly readRatio: number;
  readonly readAt: ReadAt;
}

export interface BenchOptions {
  readonly operations: readonly Operation[];
  readonly consistency: Consistency;
  readonly readAt: readonly ReadAt[];
  readonly inFlight: readonly number[];
  readonly readRatio: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /** Stop a run after this many completed requests (also bounded by the duration); null: no limit. */
  readonly totalRequests: number | null;
  readonly keyCount: number;
  readonly keyBytes: number;
  readonly valueBytes: number;
  /** Load generator processes; requests in flight are split evenly between them. */
  readonly clients: number;
  readonly runs: number;
  /** 'start': a temp-dir cluster of this bench's own; else the directory of a running cluster.json. */
  readonly target:
    | { readonly kind: 'start'; readonly nodes: number }
    | { readonly kind: 'existing'; readonly dir: string };
  readonly compareEtcd: boolean;
  /** Also run every workload against a second cluster with CURVE on every socket, side by side. */
  readonly secure: boolean;
  /** Extra node flags for each raftkvd / etcd process the bench starts (e.g. --cpu-prof). */
  readonly serverNodeArgs: readonly string[];
  readonly raftkvdArgs: readonly string[];
  readonly jsonFile: string | null;
}

export class OptionError extends Error {
  override readonly name = 'OptionError';
}

export interface RawOptions {
  readonly op: string;
  readonly consistency: string;
  readonly readAt: string;
  readonly inFlight: string;
  readonly readRatio: string;
  readonly duration: string;
  readonly warmup: string;
  readonly total?: string;
  readonly keys: string;
  readonly keyBytes: string;
  readonly valueBytes: string;
  readonly clients: string;
  readonly runs: string;
  readonly cluster?: string;
  readonly nodes: string;
  readonly compareEtcd: boolean;
  readonly secure?: boolean;
  readonly nodeArgs?: string;
  readonly raftkvdArgs?: string;
  readonly json?: string;
}

const operations: readonly Operation[] = ['put', 'get', 'mixed'];
const readAtChoices: readonly ReadAt[] = ['client', 'leader', 'follower', 'all'];
/** The key is "k" followed by a zero-padded number, so it needs room for the largest index. */
const keyBytesMax = 510;

export function parseOptions(raw: RawOptions): BenchOptions {
  const keyCount = integer('--keys', raw.keys, 1, 100_000_000);
  const keyBytes = integer('--key-bytes', raw.keyBytes, 1 + String(keyCount - 1).length, keyBytesMax);
  const inFlight = list('--in-flight', raw.inFlight).map((text) => integer('--in-flight', text, 1, 100_000));
  const clients = integer('--clients', raw.clients, 1, 64);
  const tooFew = inFlight.find((value) => value < clients);
  if (tooFew !== undefined) {
    throw new OptionError(`--in-flight ${tooFew} is below --clients ${clients}: every client needs one`);
  }
  const operationList = list('--op', raw.op).map((text) => {
    if (!operations.includes(text as Operation)) {
      throw new OptionError(`--op "${text}" is not one of ${operations.join(', ')}`);
    }
    return text as Operation;
  });
  if (raw.consistency !== 'linearizable' && raw.consistency !== 'serializable') {
    throw new OptionError(`--consistency "${raw.consistency}" is not linearizable or serializable`);
  }
  const readAt = list('--read-at', raw.readAt).map((text) => {
    if (!readAtChoices.includes(text as ReadAt)) {
      throw new OptionError(`--read-at "${text}" is not one of ${readAtChoices.join(', ')}`);
    }
    return text as ReadAt;
  });
  if (raw.compareEtcd && readAt.some((at) => at !== 'client')) {
    throw new OptionError('--read-at other than client is for raftkv only; drop --compare-etcd');
  }
  return {
    operations: operationList,
    consistency: raw.consistency,
    readAt,
    inFlight,
    readRatio: fraction('--read-ratio', raw.readRatio),
    durationSeconds: decimal('--duration', raw.duration, 0.1, 86_400),
    warmupSeconds: decimal('--warmup', raw.warmup, 0, 3_600),
    totalRequests: raw.total === undefined ? null : integer('--total', raw.total, 1, 1e12),
    keyCount,
    keyBytes,
    valueBytes: integer('--value-bytes', raw.valueBytes, 0, 1_000_000),
    clients,
    runs: integer('--runs', raw.runs, 1, 99),
    target:
      raw.cluster === undefined
        ? { kind: 'start', nodes: integer('--nodes', raw.nodes, 1, 9) }
        : { kind: 'existing', dir: raw.cluster },
    compareEtcd: raw.compareEtcd,
    secure: raw.secure === true,
    serverNodeArgs: words(raw.nodeArgs),
    raftkvdArgs: words(raw.raftkvdArgs),
    jsonFile: raw.json ?? null,
  };
}

function list(flag: string, text: string): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new OptionError(`${flag} "${text}" has an empty item`);
  return items;
}

function words(text: string | undefined): string[] {
  return text === undefined ? [] : text.split(/\s+/).filter((word) => word !== '');
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new OptionError(`${flag} "${text}" is not a whole number from ${min} to ${max}`);
  }
  return value;
}

function decimal(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new OptionError(`${flag} "${text}" is not a number from ${min} to ${max}`);
  }
  return value;
}

function fraction(flag: string, text: string): number {
  return decimal(flag, text, 0, 1);
}
