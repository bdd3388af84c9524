// InProcessCluster: N RaftActors of the user's state machine in one process on an in-memory network,
// driven synchronously tick by tick (no timers, no clock, seeded randomness), with stop, restart and
// isolation of members, so an application tests its state machine against leader changes.
import {
  type BootstrapState,
  bootstrapState,
  type CompactionPolicy,
  type Configuration,
  defaultRaftConfig,
  type LogStorage,
  MemoryLogStorage,
  type Message,
  type NodeId,
  nodeId,
  type ProposalResult,
  RaftActor,
  type RaftConfig,
  type ReadResult,
  SeededPrng,
  type StateMachine,
} from '@raftkv/raft';

export interface InProcessClusterOptions<TQuery, TResult> {
  /** How many voters (default 3); their ids are n1, n2, … */
  readonly members?: number;
  /** Seeds every member's election randomness: the same seed replays the same run (default 1). */
  readonly seed?: number;
  /**
   * A member's state machine, at start and again at each restart. A state machine over durable
   * storage reopens it; an in-memory one starts empty and the log re-applies everything (paper fig. 2).
   */
  readonly stateMachine: (id: NodeId) => StateMachine<TQuery, TResult>;
  /**
   * A member's log. `bootstrap` is the initial state to persist into a new member's empty log at
   * start, and null at a restart (open what is there). Default: one MemoryLogStorage per member,
   * kept across restarts as its durable disk.
   */
  readonly log?: (id: NodeId, bootstrap: BootstrapState | null) => LogStorage;
  /** Raft settings per member (default: defaultRaftConfig). */
  readonly config?: (id: NodeId) => RaftConfig;
  /**
   * When the actor compacts the log. Default: never, so a state machine restarted empty can be
   * rebuilt from the log; set one to exercise snapshots (the state machine's openSnapshot/restore).
   */
  readonly compaction?: CompactionPolicy;
}

/** Ticks a wait gives up after by default: 100 election timeouts of the default config. */
export const waitTicksDefault = 1_000;

/** Turns one settle runs at most before it reports a livelock (the actors kept each other busy). */
const settleTurnsMax = 100_000;

interface Member<TQuery, TResult> {
  readonly id: NodeId;
  actor: RaftActor<TQuery, TResult>;
  stateMachine: StateMachine<TQuery, TResult>;
  running: boolean;
  restarts: number;
}

export class InProcessCluster<TQuery = unknown, TResult = unknown> {
  /** Member ids, n1 … nN. */
  readonly ids: readonly NodeId[];
  private readonly members = new Map<NodeId, Member<TQuery, TResult>>();
  private readonly memoryLogs = new Map<NodeId, MemoryLogStorage>();
  private readonly isolated = new Set<NodeId>();
  private inFlight: Message[] = [];
  private ticks = 0;

  private constructor(private readonly options: InProcessClusterOptions<TQuery, TResult>) {
    const size = options.members ?? 3;
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`members must be a positive integer, not ${size}`);
    this.ids = Array.from({ length: size }, (_, i) => nodeId(`n${i + 1}`));
  }

  /** Starts every member from the same bootstrap configuration (all voters). */
  static start<TQuery, TResult>(
    options: InProcessClusterOptions<TQuery, TResult>,
  ): InProcessCluster<TQuery, TResult> {
    const cluster = new InProcessCluster(options);
    const configuration: Configuration = {
      members: cluster.ids.map((id) => ({ id, role: 'voter' as const, address: id })),
    };
    const bootstrap = bootstrapState(configuration);
    for (const id of cluster.ids) cluster.members.set(id, cluster.startMember(id, bootstrap, 0));
    return cluster;
  }

  /** Ticks delivered so far: the cluster's only clock. */
  get elapsedTicks(): number {
    return this.ticks;
  }

  /** A member's current state machine (a new object after each restart). */
  stateMachine(id: NodeId): StateMachine<TQuery, TResult> {
    return this.member(id).stateMachine;
  }

  /** A member's actor, for its status() or events this class does not wrap. */
  actor(id: NodeId): RaftActor<TQuery, TResult> {
    return this.member(id).actor;
  }

  isRunning(id: NodeId): boolean {
    return this.member(id).running;
  }

  /**
   * The running, non-isolated member that leads in the highest term, or null. An isolated old
   * leader may still believe it leads until check-quorum steps it down (thesis §6.2).
   */
  leader(): NodeId | null {
    let best: { id: NodeId; term: number } | null = null;
    for (const member of this.members.values()) {
      if (!member.running || this.isolated.has(member.id)) continue;
      const status = member.actor.status();
      if (status.role === 'leader' && (best === null || status.term > best.term))
        best = { id: member.id, term: status.term };
    }
    return best?.id ?? null;
  }

  /** Advances time by `count` ticks; after each, every message in flight is delivered until quiet. */
  tick(count = 1): void {
    for (let i = 0; i < count; i += 1) {
      this.ticks += 1;
      for (const member of this.members.values()) if (member.running) member.actor.deliver({ type: 'tick' });
      this.settle();
    }
  }

  /** Ticks until `condition` holds; throws after `maxTicks`. Returns the ticks it took. */
  tickUntil(condition: () => boolean, what: string, maxTicks = waitTicksDefault): number {
    for (let waited = 0; ; waited += 1) {
      if (condition()) return waited;
      if (waited >= maxTicks) throw new Error(`no ${what} after ${maxTicks} ticks (seed ${this.seed})`);
      this.tick();
    }
  }

  /** Ticks until a leader stands; returns it. */
  awaitLeader(maxTicks = waitTicksDefault): NodeId {
    this.tickUntil(() => this.leader() !== null, 'leader', maxTicks);
    return this.leader()!;
  }

  /**
   * Proposes `data` through the current leader (waiting for one) and ticks until the proposal is
   * answered: applied with the state machine's result, or refused or lost (`ok: false`, e.g. the
   * leader changed). It does not retry: what a retry means is the application's (thesis §6.3).
   */
  propose(data: Uint8Array, maxTicks = waitTicksDefault): ProposalResult<TResult> {
    const leader = this.awaitLeader(maxTicks);
    let answer: ProposalResult<TResult> | null = null;
    this.member(leader).actor.deliver({ type: 'propose', data, onResult: (result) => (answer = result) });
    this.settle();
    this.tickUntil(() => answer !== null, 'answer to the proposal', maxTicks);
    return answer!;
  }

  /** A linearizable read through the current leader (ReadIndex, thesis §6.4), answered like propose. */
  read(query: TQuery, maxTicks = waitTicksDefault): ReadResult<TResult> {
    const leader = this.awaitLeader(maxTicks);
    let answer: ReadResult<TResult> | null = null;
    this.member(leader).actor.deliver({ type: 'read', query, onResult: (result) => (answer = result) });
    this.settle();
    this.tickUntil(() => answer !== null, 'answer to the read', maxTicks);
    return answer!;
  }

  /** Stops a member as a crash would: its actor stops, messages to it are lost; its log stays. */
  stop(id: NodeId): void {
    const member = this.member(id);
    if (!member.running) return;
    member.actor.stop();
    member.running = false;
  }

  /** Starts a stopped member again from its log, with a new state machine from the factory. */
  restart(id: NodeId): void {
    const member = this.member(id);
    if (member.running) throw new Error(`${id} is running; stop it first`);
    this.members.set(id, this.startMember(id, null, member.restarts + 1));
  }

  /** Cuts a member off the network both ways (it keeps running); heal() reconnects it. */
  isolate(id: NodeId): void {
    this.member(id);
    this.isolated.add(id);
  }

  heal(): void {
    this.isolated.clear();
  }

  /** Stops every member. */
  close(): void {
    for (const id of this.ids) this.stop(id);
    this.inFlight = [];
  }

  private get seed(): number {
    return this.options.seed ?? 1;
  }

  private member(id: NodeId): Member<TQuery, TResult> {
    const member = this.members.get(id);
    if (member === undefined) throw new RangeError(`no member ${id} (members: ${this.ids.join(', ')})`);
    return member;
  }

  private startMember(
    id: NodeId,
    bootstrap: BootstrapState | null,
    restarts: number,
  ): Member<TQuery, TResult> {
    const log = this.openLog(id, bootstrap);
    const stateMachine = this.options.stateMachine(id);
    const index = this.ids.indexOf(id);
    const actor = RaftActor.start({
      config: this.options.config?.(id) ?? defaultRaftConfig(id),
      storage: log,
      stateMachine,
      transport: { send: (messages) => this.inFlight.push(...messages) },
      // A distinct stream per member and per restart, all from the one seed.
      random: new SeededPrng(this.seed * 1_000_003 + index * 7_919 + restarts * 104_729),
      compaction: this.options.compaction ?? {
        thresholdEntries: Number.MAX_SAFE_INTEGER,
        trailingEntries: 0,
      },
    });
    return { id, actor, stateMachine, running: true, restarts };
  }

  private openLog(id: NodeId, bootstrap: BootstrapState | null): LogStorage {
    if (this.options.log !== undefined) return this.options.log(id, bootstrap);
    if (bootstrap !== null) this.memoryLogs.set(id, new MemoryLogStorage(bootstrap));
    return this.memoryLogs.get(id)!;
  }

  /** Delivers every message in flight and runs every member's turns until nothing is left to do. */
  private settle(): void {
    for (let turns = 0; ; turns += 1) {
      if (turns > settleTurnsMax)
        throw new Error(`the members did not settle within ${settleTurnsMax} turns`);
      const messages = this.inFlight;
      this.inFlight = [];
      for (const message of messages) {
        if (this.isolated.has(message.from) || this.isolated.has(message.to)) continue;
        const target = this.members.get(message.to);
        if (target?.running === true) target.actor.deliver({ type: 'message', message });
      }
      let acted = false;
      for (const member of this.members.values())
        if (member.running && member.actor.hasWork()) acted = member.actor.runTurn() || acted;
      if (!acted && this.inFlight.length === 0) return;
    }
  }
}
