// A simulated disk: durable log storage (wrapping the in-memory MemoryLogStorage) whose persist()
// can crash the node before the write is durable (the write is lost) or right after it, and whose
// compact() first lets the KV store make its applied state durable (raftkvd's beforeDiscarding hook).
// It holds only durable state; everything volatile lives in the actor, which a crash discards.
import type {
  Configuration,
  Entry,
  HardState,
  InitialState,
  LogIndex,
  LogStorage,
  NodeId,
  SnapshotMetadata,
  Term,
} from '@raftkv/raft';
import { SimulatedCrash } from './simulated-crash.js';

export type PersistCrash = 'none' | 'before-write' | 'after-write';

const noConfiguration: Configuration = { members: [] };

export class SimulatedDisk implements LogStorage {
  private persistCount = 0;
  private latestConfigurationCache: {
    readonly writes: number;
    readonly configuration: Configuration;
  } | null = null;

  constructor(
    readonly id: NodeId,
    private readonly durable: LogStorage,
    private readonly decidePersistCrash: () => PersistCrash,
    /** Runs before entries are discarded: what they could rebuild must be durable first (paper §7). */
    private readonly beforeDiscarding: () => void = () => {},
  ) {}

  /** How many writes became durable. */
  get writes(): number {
    return this.persistCount;
  }

  initialState(): InitialState {
    return this.durable.initialState();
  }

  firstIndex(): LogIndex {
    return this.durable.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.durable.lastIndex();
  }

  term(index: LogIndex): Term | undefined {
    return this.durable.term(index);
  }

  entries(low: LogIndex, high: LogIndex, maxBytes: number): Entry[] {
    return this.durable.entries(low, high, maxBytes);
  }

  persist(update: {
    readonly hardState: HardState | null;
    readonly entries: readonly Entry[];
    readonly snapshot: SnapshotMetadata | null;
  }): void {
    const crash = this.decidePersistCrash();
    if (crash === 'before-write')
      throw new SimulatedCrash(this.id, 'in persist, before the write was durable');
    this.durable.persist(update);
    this.persistCount += 1;
    if (crash === 'after-write') throw new SimulatedCrash(this.id, 'in persist, after the write was durable');
  }

  compact(index: LogIndex): void {
    this.beforeDiscarding();
    this.durable.compact(index);
  }

  /** The latest configuration in the durable log (thesis §4.1), for the checkers. */
  latestConfiguration(): Configuration {
    const cached = this.latestConfigurationCache;
    if (cached !== null && cached.writes === this.persistCount) return cached.configuration;
    let configuration = this.durable.initialState().snapshot?.configuration ?? noConfiguration;
    const entries = this.durableEntries();
    for (let position = entries.length - 1; position >= 0; position -= 1) {
      const entry = entries[position]!;
      if (entry.kind === 'configuration') {
        configuration = entry.configuration;
        break;
      }
    }
    this.latestConfigurationCache = { writes: this.persistCount, configuration };
    return configuration;
  }

  /** Every entry the disk durably holds, for the log checkers. */
  durableEntries(): Entry[] {
    const first = this.durable.firstIndex();
    const last = this.durable.lastIndex();
    return last < first ? [] : this.durable.entries(first, last + 1, Number.POSITIVE_INFINITY);
  }
}
