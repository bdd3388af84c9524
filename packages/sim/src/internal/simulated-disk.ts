// A simulated disk: the production write-ahead log (WalLogStorage from @raftkv/wal) over this
// machine's own SimulatedFileSystem. persist() can crash the node before the write or right after
// it, and a sync can be cut by a power loss; a crash or power loss discards the WalLogStorage object
// and re-opens the log from the file system, as a restarted raftkvd would. The log's beforeDiscarding
// hook lets the KV store make its applied state durable before a compaction (as raftkvd's data
// directory does). Gives the checkers their views of the durable log.
import type {
  BootstrapState,
  Configuration,
  Entry,
  InitialState,
  LogIndex,
  LogStorage,
  NodeId,
  Prng,
  Term,
} from '@raftkv/raft';
import { type FileDescriptor, type FileSystem, StorageCorruptionError, WalLogStorage } from '@raftkv/wal';
import { SimulatedCrash } from './simulated-crash.js';
import { type PowerLossReport, SimulatedFileSystem } from './simulated-file-system.js';

export type PersistCrash = 'none' | 'before-write' | 'after-write';

/** The faults a disk asks about while its node runs. */
export interface DiskFaults {
  decidePersistCrash(): PersistCrash;
  /** Whether the power fails as this sync (fdatasync, fsync, directory fsync) is issued. */
  decidePowerLossInSync(): boolean;
}

/** What re-opening the write-ahead log found. */
export type OpenOutcome =
  | { readonly ok: true; readonly tornTail: boolean }
  | { readonly ok: false; readonly error: StorageCorruptionError };

const noConfiguration: Configuration = { members: [] };

export class SimulatedDisk implements LogStorage {
  readonly fileSystem = new SimulatedFileSystem();
  private wal: WalLogStorage | null = null;
  /** The node runs on this disk: faults are injected into its syncs. */
  private running = false;
  /** The power failed in a sync: every later call of this incarnation fails the same way. */
  private powerCut: SimulatedCrash | null = null;
  private version = 0;
  private latestConfigurationCache: {
    readonly version: number;
    readonly configuration: Configuration;
  } | null = null;
  /** Bits flipped in this disk's durable data (bit rot) over the run. */
  bitFlips = 0;

  constructor(
    readonly id: NodeId,
    readonly directory: string,
    private readonly segmentBytesMin: number,
    private readonly faults: DiskFaults,
    /**
     * The write-ahead log's beforeDiscarding hook: what the entries could rebuild must be durable
     * before they are discarded (paper §7).
     */
    private readonly beforeDiscarding: () => void = () => {},
  ) {}

  /** How many times the durable state changed (a persist, a compaction or a re-open). */
  get writes(): number {
    return this.version;
  }

  /** The write-ahead log refused to open (StorageCorruptionError): the node stays down for good. */
  get refused(): boolean {
    return this.wal === null;
  }

  /**
   * Opens the write-ahead log from the file system (creating an empty one on a fresh disk), then, on
   * a fresh disk, persists `bootstrap` into it as raftkvd does for an initial member.
   */
  open(bootstrap: BootstrapState | null = null): OpenOutcome {
    this.wal = null;
    this.running = false;
    this.powerCut = null;
    this.version += 1;
    let tornTail = false;
    try {
      this.wal = WalLogStorage.open({
        fileSystem: this.port,
        directory: this.directory,
        segmentBytesMin: this.segmentBytesMin,
        beforeDiscarding: () => this.beforeDiscarding(),
        onTornTail: () => {
          tornTail = true;
        },
      });
    } catch (error) {
      if (error instanceof StorageCorruptionError) return { ok: false, error };
      throw error;
    }
    if (bootstrap !== null) {
      this.wal.persist({ hardState: bootstrap.hardState, entries: bootstrap.entries, snapshot: null });
    }
    return { ok: true, tornTail };
  }

  /** The node starts running on this disk (faults from now on). */
  markRunning(): void {
    this.running = true;
  }

  /** A process crash: the WalLogStorage object is discarded unclosed; the page cache survives. */
  crash(): void {
    this.discard();
    this.fileSystem.crash();
  }

  /** A power loss: the WalLogStorage object is discarded; only what was synced may survive. */
  losePower(random: Prng): PowerLossReport {
    this.discard();
    return this.fileSystem.powerLoss(random);
  }

  /** Bit rot: flips one bit of a random file's synced data in the log's directory. Returns whether it did. */
  flipBit(random: Prng): boolean {
    const names = this.fileSystem.listDirectory(this.directory).sort();
    if (names.length === 0) return false;
    const name = names[random.nextInt(names.length)]!;
    if (this.fileSystem.flipBit(`${this.directory}/${name}`, random) === null) return false;
    this.bitFlips += 1;
    return true;
  }

  initialState(): InitialState {
    return this.log().initialState();
  }

  firstIndex(): LogIndex {
    return this.log().firstIndex();
  }

  lastIndex(): LogIndex {
    return this.log().lastIndex();
  }

  term(index: LogIndex): Term | undefined {
    return this.log().term(index);
  }

  entries(low: LogIndex, high: LogIndex, maxBytes: number): Entry[] {
    return this.log().entries(low, high, maxBytes);
  }

  persist(update: Parameters<LogStorage['persist']>[0]): void {
    const crash = this.faults.decidePersistCrash();
    if (crash === 'before-write')
      throw new SimulatedCrash(this.id, 'in persist, before the write was durable');
    this.version += 1;
    this.log().persist(update);
    if (crash === 'after-write') throw new SimulatedCrash(this.id, 'in persist, after the write was durable');
  }

  compact(index: LogIndex): void {
    this.version += 1;
    this.log().compact(index);
  }

  /** The latest configuration in the log (thesis §4.1), for the checkers; none if the log refused to open. */
  latestConfiguration(): Configuration {
    const cached = this.latestConfigurationCache;
    if (cached !== null && cached.version === this.version) return cached.configuration;
    let configuration = this.wal?.initialState().snapshot?.configuration ?? noConfiguration;
    const entries = this.durableEntries();
    for (let position = entries.length - 1; position >= 0; position -= 1) {
      const entry = entries[position]!;
      if (entry.kind === 'configuration') {
        configuration = entry.configuration;
        break;
      }
    }
    this.latestConfigurationCache = { version: this.version, configuration };
    return configuration;
  }

  /**
   * Every entry the log holds, for the log checkers: what the running node persisted, or, while it
   * is down, what the restart will read (the log is re-opened at the crash). Empty if it refused.
   */
  durableEntries(): Entry[] {
    const wal = this.wal;
    if (wal === null) return [];
    const first = wal.firstIndex();
    const last = wal.lastIndex();
    return last < first ? [] : wal.entries(first, last + 1, Number.POSITIVE_INFINITY);
  }

  private log(): WalLogStorage {
    const wal = this.wal;
    if (wal === null) throw new Error(`${this.id}: the write-ahead log is not open`);
    return wal;
  }

  private discard(): void {
    this.wal = null;
    this.running = false;
    this.version += 1;
  }

  /** Cuts the power before a sync while the node runs (once cut, every later call fails too). */
  private beforeSync(): void {
    if (this.powerCut !== null) throw this.powerCut;
    if (this.running && this.faults.decidePowerLossInSync()) {
      this.powerCut = new SimulatedCrash(this.id, 'by a power loss in a sync, before it completed', true);
      throw this.powerCut;
    }
  }

  /** Runs a file-system call unless the power is already cut. */
  private powered<T>(call: () => T): T {
    if (this.powerCut !== null) throw this.powerCut;
    return call();
  }

  /** The file-system port the write-ahead log sees: the simulated file system, with power cuts. */
  private readonly port: FileSystem = {
    exists: (path) => this.powered(() => this.fileSystem.exists(path)),
    makeDirectory: (path) => this.powered(() => this.fileSystem.makeDirectory(path)),
    listDirectory: (path) => this.powered(() => this.fileSystem.listDirectory(path)),
    readFile: (path) => this.powered(() => this.fileSystem.readFile(path)),
    open: (path, mode): FileDescriptor => this.powered(() => this.fileSystem.open(path, mode)),
    write: (descriptor, bytes, offset, length, position) =>
      this.powered(() => this.fileSystem.write(descriptor, bytes, offset, length, position)),
    syncData: (descriptor) => {
      this.beforeSync();
      this.fileSystem.syncData(descriptor);
    },
    sync: (descriptor) => {
      this.beforeSync();
      this.fileSystem.sync(descriptor);
    },
    truncate: (descriptor, length) => this.powered(() => this.fileSystem.truncate(descriptor, length)),
    close: (descriptor) => this.powered(() => this.fileSystem.close(descriptor)),
    rename: (from, to) => this.powered(() => this.fileSystem.rename(from, to)),
    remove: (path) => this.powered(() => this.fileSystem.remove(path)),
    syncDirectory: (path) => {
      this.beforeSync();
      this.fileSystem.syncDirectory(path);
    },
  };
}
