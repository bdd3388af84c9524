// Test-only harness: a tiny deterministic network of RaftNodes over MemoryLogStorage. Messages sit
// in one queue the test may drop or filter; each Ready cycle runs persist → send → apply → advance.
import {
  type AppendEntries,
  bootstrapState,
  type Configuration,
  defaultRaftConfig,
  type Entry,
  type LogIndex,
  MemoryLogStorage,
  type Message,
  type NodeId,
  nodeId,
  type RaftConfig,
  RaftNode,
  type ReadState,
  type Ready,
  type ReceivedSnapshot,
  SeededPrng,
  type SnapshotMetadata,
  type SnapshotReader,
  type SnapshotSource,
  type StateMachine,
  type Term,
} from '../src/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const bytes = (text: string): Uint8Array => encoder.encode(text);
export const text = (data: Uint8Array): string => decoder.decode(data);

/** Applied commands as strings; snapshots are their JSON, read in chunks. */
export class TestStateMachine implements SnapshotSource {
  values: string[] = [];
  appliedIndex: LogIndex = 0;
  appliedTerm: Term = 0;
  configuration: Configuration = { members: [] };
  openReaders = 0;
  restored = 0;

  apply(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.index <= this.appliedIndex) continue;
      if (entry.index !== this.appliedIndex + 1)
        throw new Error(`apply gap: ${entry.index} after ${this.appliedIndex}`);
      if (entry.kind === 'configuration') this.configuration = entry.configuration;
      else if (entry.data.byteLength > 0) this.values.push(text(entry.data));
      this.appliedIndex = entry.index;
      this.appliedTerm = entry.term;
    }
  }

  openSnapshot(): SnapshotReader {
    const metadata: SnapshotMetadata = {
      index: this.appliedIndex,
      term: this.appliedTerm,
      configuration: this.configuration,
    };
    const data = bytes(JSON.stringify(this.values));
    this.openReaders += 1;
    let open = true;
    return {
      metadata,
      readChunk: (offset, maxBytes) => data.subarray(offset, Math.min(data.byteLength, offset + maxBytes)),
      close: () => {
        if (!open) throw new Error('snapshot reader closed twice');
        open = false;
        this.openReaders -= 1;
      },
    };
  }

  restore(snapshot: ReceivedSnapshot): void {
    const total = snapshot.chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    const all = new Uint8Array(total);
    let offset = 0;
    for (const chunk of snapshot.chunks) {
      all.set(chunk, offset);
      offset += chunk.byteLength;
    }
    this.values = JSON.parse(text(all)) as string[];
    this.appliedIndex = snapshot.metadata.index;
    this.appliedTerm = snapshot.metadata.term;
    this.configuration = snapshot.metadata.configuration;
    this.restored += 1;
  }
}

/**
 * A state machine for RaftActor tests whose query answers its applied index: a read served at
 * index i must answer at least i. Snapshots are not taken from it.
 */
export class IndexStateMachine implements StateMachine<null, number> {
  private applied = 0;
  appliedIndex(): number {
    return this.applied;
  }
  apply(entries: readonly Entry[]): number[] {
    this.applied = entries[entries.length - 1]?.index ?? this.applied;
    return entries.map(() => 0);
  }
  query(): number {
    return this.applied;
  }
  restore(snapshot: ReceivedSnapshot): void {
    this.applied = snapshot.metadata.index;
  }
  openSnapshot(): SnapshotReader {
    throw new Error('not used');
  }
}

export class TestNode {
  raft: RaftNode;
  readonly stateMachine = new TestStateMachine();
  readonly readStates: ReadState[] = [];
  readonly abandonedReads: number[] = [];
  readonly readies: Ready[] = [];
  /** Every committed entry handed out, in order (to check commit/apply ordering). */
  readonly appliedEntries: Entry[] = [];

  constructor(
    readonly id: NodeId,
    readonly storage: MemoryLogStorage,
    public config: RaftConfig,
    private readonly seed: number,
  ) {
    this.raft = this.startRaft();
  }

  /** A crash and restart: volatile state is lost, storage and the state machine survive. */
  restart(overrides: Partial<Omit<RaftConfig, 'id'>> = {}): void {
    this.config = { ...this.config, ...overrides };
    this.raft = this.startRaft();
  }

  private startRaft(): RaftNode {
    return RaftNode.start({
      config: this.config,
      log: this.storage,
      snapshots: this.stateMachine,
      random: new SeededPrng(this.seed),
      appliedIndex: this.stateMachine.appliedIndex,
    });
  }

  get status() {
    return this.raft.status();
  }
}

export interface ClusterOptions {
  readonly voters: readonly string[];
  readonly learners?: readonly string[];
  readonly config?: Partial<Omit<RaftConfig, 'id'>>;
  readonly seed?: number;
}

export const testConfig = (id: string, overrides: Partial<Omit<RaftConfig, 'id'>> = {}): RaftConfig => ({
  ...defaultRaftConfig(nodeId(id)),
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  ...overrides,
});

export class TestCluster {
  readonly nodes = new Map<string, TestNode>();
  queue: Message[] = [];
  /** Every message handed to the network, delivered or not. */
  readonly sent: Message[] = [];
  /** Return false to drop a message. */
  filter: ((message: Message) => boolean) | null = null;
  private readonly isolated = new Set<string>();
  private readonly down = new Set<string>();
  private readonly configOverrides: Partial<Omit<RaftConfig, 'id'>>;
  private readonly seed: number;

  constructor(options: ClusterOptions) {
    this.seed = options.seed ?? 1;
    this.configOverrides = options.config ?? {};
    const configuration: Configuration = {
      members: [
        ...options.voters.map((id) => ({ id: nodeId(id), role: 'voter' as const, address: `addr-${id}` })),
        ...(options.learners ?? []).map((id) => ({
          id: nodeId(id),
          role: 'learner' as const,
          address: `addr-${id}`,
        })),
      ],
    };
    const state = bootstrapState(configuration);
    for (const member of configuration.members) {
      this.addNode(member.id, new MemoryLogStorage(state));
    }
  }

  /** A node with the given storage (empty storage: a brand-new server waiting to be added). */
  addNode(id: string, storage = new MemoryLogStorage()): TestNode {
    const index = this.nodes.size + 1;
    const node = new TestNode(
      nodeId(id),
      storage,
      testConfig(id, this.configOverrides),
      this.seed * 1000 + index,
    );
    this.nodes.set(id, node);
    return node;
  }

  node(id: string): TestNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  raft(id: string): RaftNode {
    return this.node(id).raft;
  }

  isolate(id: string): void {
    this.isolated.add(id);
  }

  heal(): void {
    this.isolated.clear();
    this.filter = null;
  }

  crash(id: string): void {
    this.down.add(id);
  }

  restart(id: string, overrides: Partial<Omit<RaftConfig, 'id'>> = {}): void {
    this.down.delete(id);
    this.node(id).restart(overrides);
  }

  /** Ticks the given nodes (all when omitted) once each, then processes until quiet. */
  tick(ids: readonly string[] = [...this.nodes.keys()], times = 1): void {
    for (let round = 0; round < times; round += 1) {
      for (const id of ids) if (!this.down.has(id)) this.raft(id).tick();
      this.process();
    }
  }

  /** Ticks only `id` until it leads (others are not ticked, so they do not compete). */
  elect(id: string): void {
    const node = this.raft(id);
    for (let round = 0; round < 100 && node.status().role !== 'leader'; round += 1) this.tick([id]);
    if (node.status().role !== 'leader') throw new Error(`${id} did not become leader`);
    this.process();
  }

  leaders(): string[] {
    return [...this.nodes.keys()].filter(
      (id) => !this.down.has(id) && this.raft(id).status().role === 'leader',
    );
  }

  propose(id: string, value: string) {
    return this.raft(id).propose(bytes(value));
  }

  /** Runs Ready cycles and delivers messages until nothing is left to do. */
  process(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round += 1) {
      let acted = false;
      for (const node of this.nodes.values()) {
        if (this.down.has(node.id) || !node.raft.hasReady()) continue;
        this.runReady(node);
        acted = true;
      }
      if (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        for (const message of batch) this.deliver(message);
        acted = true;
      }
      if (!acted) return;
    }
    throw new Error('cluster did not become quiet');
  }

  /** Runs only the Ready cycles (messages stay queued), so tests can inspect or reorder them. */
  runReadies(): void {
    for (const node of this.nodes.values()) {
      if (!this.down.has(node.id) && node.raft.hasReady()) this.runReady(node);
    }
  }

  deliver(message: Message): void {
    if (this.isolated.has(message.from) || this.isolated.has(message.to)) return;
    if (this.down.has(message.to)) return;
    if (this.filter !== null && !this.filter(message)) return;
    this.nodes.get(message.to)?.raft.step(message);
  }

  runReady(node: TestNode): Ready {
    const ready = node.raft.ready();
    node.readies.push(ready);
    if (ready.snapshot !== null) node.stateMachine.restore(ready.snapshot);
    node.storage.persist({
      hardState: ready.hardState,
      entries: ready.entries,
      snapshot: ready.snapshot?.metadata ?? null,
    });
    for (const message of ready.messages) {
      this.sent.push(message);
      this.queue.push(message);
    }
    node.stateMachine.apply(ready.committedEntries);
    node.appliedEntries.push(...ready.committedEntries);
    node.readStates.push(...ready.readStates);
    node.abandonedReads.push(...ready.abandonedReads);
    node.raft.advance(ready);
    return ready;
  }

  /** Applied command values of a node. */
  values(id: string): string[] {
    return this.node(id).stateMachine.values;
  }
}

/** A lone node for message-level tests: its own storage, peers exist only as ids in its configuration. */
export class SoloNode {
  readonly storage: MemoryLogStorage;
  readonly stateMachine = new TestStateMachine();
  raft: RaftNode;
  readonly config: RaftConfig;

  constructor(
    readonly id: string,
    options: {
      readonly voters: readonly string[];
      readonly learners?: readonly string[];
      readonly entries?: readonly Entry[];
      readonly term?: Term;
      readonly config?: Partial<Omit<RaftConfig, 'id'>>;
      readonly seed?: number;
    },
  ) {
    const configuration: Configuration = {
      members: [
        ...options.voters.map((voter) => ({ id: nodeId(voter), role: 'voter' as const, address: voter })),
        ...(options.learners ?? []).map((learner) => ({
          id: nodeId(learner),
          role: 'learner' as const,
          address: learner,
        })),
      ],
    };
    const state = bootstrapState(configuration);
    this.storage = new MemoryLogStorage({
      hardState: { ...state.hardState, term: options.term ?? 1 },
      entries: [...state.entries, ...(options.entries ?? [])],
    });
    this.config = testConfig(id, options.config);
    this.raft = RaftNode.start({
      config: this.config,
      log: this.storage,
      snapshots: this.stateMachine,
      random: new SeededPrng(options.seed ?? 7),
      appliedIndex: 0,
    });
  }

  /** Runs one Ready cycle (persist, apply, advance) and returns it; an empty Ready when there is none. */
  cycle(): Ready {
    if (!this.raft.hasReady()) {
      return {
        hardState: null,
        entries: [],
        snapshot: null,
        committedEntries: [],
        messages: [],
        readStates: [],
        abandonedReads: [],
        softState: null,
      };
    }
    const ready = this.raft.ready();
    if (ready.snapshot !== null) this.stateMachine.restore(ready.snapshot);
    this.storage.persist({
      hardState: ready.hardState,
      entries: ready.entries,
      snapshot: ready.snapshot?.metadata ?? null,
    });
    this.stateMachine.apply(ready.committedEntries);
    this.raft.advance(ready);
    return ready;
  }

  /** Messages of the next Ready cycle. */
  messages(): Message[] {
    return [...this.cycle().messages];
  }

  /** Ticks until the node starts campaigning; returns the ticks taken. */
  ticksUntilCampaign(): number {
    for (let ticks = 1; ticks <= 1000; ticks += 1) {
      this.raft.tick();
      if (this.raft.status().role !== 'follower') return ticks;
    }
    throw new Error('never campaigned');
  }

  step(message: Message): void {
    this.raft.step(message);
  }

  restart(): void {
    this.raft = RaftNode.start({
      config: this.config,
      log: this.storage,
      snapshots: this.stateMachine,
      random: new SeededPrng(8),
      appliedIndex: this.stateMachine.appliedIndex,
    });
  }
}

/** Command entries of `term` at consecutive indexes from `from`. */
export function commands(from: LogIndex, terms: readonly Term[]): Entry[] {
  return terms.map((term, offset) => ({
    index: from + offset,
    term,
    kind: 'command' as const,
    data: bytes(`e${from + offset}`),
  }));
}

export const id = nodeId;

/** An empty AppendEntries (a heartbeat, §5.2) at the start of the log. */
export const heartbeat = (from: string, to: string, term: number): AppendEntries => ({
  type: 'AppendEntries',
  term,
  from: nodeId(from),
  to: nodeId(to),
  prevLogIndex: 0,
  prevLogTerm: 0,
  entries: [],
  leaderCommit: 0,
  sequence: 1,
});
