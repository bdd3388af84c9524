// The chaos run's cluster of real raftkvd processes on 127.0.0.1: a pool of ids (the initial members
// plus spares for membership changes) with OS-assigned ports, one data directory each, every peer
// link through the PeerNetwork. Kills, pauses and restarts by PID; notices a node that exits on its
// own (a crash is an anomaly). Holds no fault policy: fault-executor.ts decides what to do.
import { join } from 'node:path';
import { PeerNetwork } from '@raftkv/link-proxy';
import { fetchStatus, freePorts, type HttpStatus, pause, RaftkvdProcess } from '@raftkv/testkit';

export interface ClusterTiming {
  readonly electionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly snapshotThresholdEntries: number;
}

interface NodeSlot {
  readonly id: string;
  readonly peerPort: number;
  readonly clientPort: number;
  readonly httpPort: number;
  process: RaftkvdProcess | null;
  /** The harness asked it to stop (SIGKILL) or it was removed: an exit is not a crash. */
  exitExpected: boolean;
  paused: boolean;
  state: 'spare' | 'member' | 'removed';
}

export interface UnexpectedExit {
  readonly id: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly logTail: string;
  readonly portTaken: boolean;
}

const startAttemptsMax = 4;
/** How long a starting raftkvd may take to answer /status (tsx compiles its sources first). */
const startWaitMs = 30_000;

export class ChaosCluster {
  private readonly slots = new Map<string, NodeSlot>();
  readonly unexpectedExits: UnexpectedExit[] = [];
  private spawned = 0;

  private constructor(
    readonly root: string,
    readonly network: PeerNetwork,
    private readonly timing: ClusterTiming,
    slots: NodeSlot[],
    readonly initialIds: readonly string[],
  ) {
    for (const slot of slots) this.slots.set(slot.id, slot);
  }

  /** Allocates ports and proxies for `nodes + spares` ids, starts the first `nodes`, waits for a leader. */
  static async start(options: {
    root: string;
    nodes: number;
    spares: number;
    timing: ClusterTiming;
  }): Promise<ChaosCluster> {
    const ids = Array.from({ length: options.nodes + options.spares }, (_, index) => `n${index + 1}`);
    // The proxies listen first, so the ports handed to the nodes below cannot be one of theirs.
    const peerPorts = new Map<string, number>();
    const network = await PeerNetwork.open(ids, (id) => peerPorts.get(id) ?? 0);
    const slots: NodeSlot[] = [];
    // One freePorts call for every node: ports of separate calls may repeat once released.
    const ports = await freePorts(3 * ids.length);
    for (const [index, id] of ids.entries()) {
      const [peerPort = 0, clientPort = 0, httpPort = 0] = ports.slice(3 * index, 3 * index + 3);
      peerPorts.set(id, peerPort);
      slots.push({
        id,
        peerPort,
        clientPort,
        httpPort,
        process: null,
        exitExpected: false,
        paused: false,
        state: 'spare',
      });
    }
    const initialIds = ids.slice(0, options.nodes);
    const cluster = new ChaosCluster(options.root, network, options.timing, slots, initialIds);
    const initialCluster = initialIds.map((id) => cluster.memberSpec(id)).join(';');
    for (const id of initialIds) cluster.slot(id).state = 'member';
    await Promise.all(
      initialIds.map((id) =>
        cluster.spawnChecked(id, [...cluster.identityFlags(id), '--initial-cluster', initialCluster]),
      ),
    );
    await cluster.waitForLeader(60_000);
    return cluster;
  }

  /** Ids currently in the configuration as far as the harness knows (added and not removed). */
  memberIds(): string[] {
    return [...this.slots.values()].filter((slot) => slot.state === 'member').map((slot) => slot.id);
  }

  /** Members whose process runs and is not paused: the ones that can answer. */
  responsiveIds(): string[] {
    return this.memberIds().filter((id) => this.isRunning(id) && !this.slot(id).paused);
  }

  isRunning(id: string): boolean {
    return this.slot(id).process?.alive === true;
  }

  isPaused(id: string): boolean {
    return this.slot(id).paused;
  }

  nextSpare(): string | null {
    return [...this.slots.values()].find((slot) => slot.state === 'spare')?.id ?? null;
  }

  clientAddress(id: string): string {
    return `tcp://127.0.0.1:${this.slot(id).clientPort}`;
  }

  httpUrl(id: string): string {
    return `http://127.0.0.1:${this.slot(id).httpPort}`;
  }

  memberClientAddresses(): string[] {
    return this.memberIds().map((id) => this.clientAddress(id));
  }

  status(id: string, timeoutMs = 1000): Promise<HttpStatus> {
    return fetchStatus(this.httpUrl(id), timeoutMs);
  }

  /** The responsive node that says it leads at the highest term, or null right now. */
  async currentLeader(): Promise<HttpStatus | null> {
    const statuses = await Promise.all(
      this.responsiveIds().map((id) => this.status(id, 500).catch(() => null)),
    );
    const leaders = statuses.filter((status): status is HttpStatus => status?.role === 'leader');
    return leaders.sort((a, b) => b.term - a.term)[0] ?? null;
  }

  async waitForLeader(timeoutMs: number): Promise<HttpStatus | null> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const leader = await this.currentLeader();
      if (leader !== null) return leader;
      await pause(50);
    }
    return null;
  }

  /** SIGKILL by PID and wait for the exit. */
  async kill(id: string): Promise<void> {
    const slot = this.slot(id);
    if (slot.process === null || !slot.process.alive) return;
    slot.exitExpected = true;
    slot.process.kill('SIGKILL');
    await slot.process.waitForExit(15_000);
    slot.paused = false;
  }

  pauseProcess(id: string): void {
    const slot = this.slot(id);
    if (slot.process?.alive !== true) return;
    slot.process.kill('SIGSTOP');
    slot.paused = true;
  }

  resumeProcess(id: string): void {
    const slot = this.slot(id);
    if (slot.process?.alive === true) slot.process.kill('SIGCONT');
    slot.paused = false;
  }

  /** Restarts a killed member from its data directory alone (identity and membership persist). */
  async restart(id: string): Promise<void> {
    if (this.isRunning(id) || this.slot(id).state !== 'member') return;
    await this.spawnChecked(id, this.restartFlags(id));
  }

  /** Starts spare `id` empty with --join through `via` (a member's HTTP address). */
  async join(id: string, via: string): Promise<void> {
    this.slot(id).state = 'member';
    await this.spawnChecked(id, [...this.identityFlags(id), '--join', via]);
  }

  /** After the configuration dropped `id`: stop its process; it never comes back. */
  async retire(id: string): Promise<void> {
    this.slot(id).state = 'removed';
    await this.kill(id);
  }

  /** Resumes paused nodes and restarts killed members (used before the final checks). */
  async reviveAll(): Promise<void> {
    for (const id of this.memberIds()) if (this.isPaused(id)) this.resumeProcess(id);
    await Promise.all(this.memberIds().map((id) => this.restart(id)));
  }

  /** SIGKILLs every process by PID (also paused ones), closes the proxies. Safe to call twice. */
  async stop(): Promise<void> {
    for (const slot of this.slots.values()) {
      if (slot.process?.alive === true) {
        slot.exitExpected = true;
        slot.process.kill('SIGKILL');
        slot.process.kill('SIGCONT');
      }
    }
    await Promise.all(
      [...this.slots.values()].map((slot) => slot.process?.waitForExit(15_000).catch(() => null)),
    );
    await this.network.close();
  }

  logTail(id: string, lines = 15): string {
    return this.slot(id).process?.logTail(lines) ?? '(never started)';
  }

  /** Spawns and waits until it answers; retries a few times when it died because its port was taken. */
  async spawnChecked(id: string, args: readonly string[]): Promise<void> {
    for (let attempt = 1; attempt <= startAttemptsMax; attempt += 1) {
      const process = this.spawn(id, args);
      if (await this.answersStatus(id, process)) return;
      await process.waitForExit(5000).catch(() => null);
      const exit = this.unexpectedExits.filter((candidate) => candidate.id === id).at(-1);
      if (exit === undefined || !exit.portTaken) return;
      await pause(500 * attempt);
    }
  }

  /** Waits until the node answers /status (true) or its process exits (false), at most startWaitMs. */
  private async answersStatus(id: string, process: RaftkvdProcess): Promise<boolean> {
    const deadline = Date.now() + startWaitMs;
    while (process.alive && Date.now() < deadline) {
      if ((await this.status(id, 500).catch(() => null)) !== null) return true;
      await pause(100);
    }
    return process.alive;
  }

  private spawn(id: string, args: readonly string[]): RaftkvdProcess {
    const slot = this.slot(id);
    this.spawned += 1;
    const process = new RaftkvdProcess(id, join(this.root, `${id}.${this.spawned}.log`), args);
    slot.process = process;
    slot.exitExpected = false;
    slot.paused = false;
    process.waitForExit(2 ** 31 - 1).then(
      () => this.onExit(slot, process),
      () => {},
    );
    return process;
  }

  private onExit(slot: NodeSlot, process: RaftkvdProcess): void {
    if (slot.exitExpected || slot.process !== process) return;
    const logTail = process.logTail(15);
    this.unexpectedExits.push({
      id: slot.id,
      exitCode: process.exitCode,
      signal: process.signal,
      logTail,
      portTaken: /EADDRINUSE|address already in use/i.test(logTail),
    });
  }

  private slot(id: string): NodeSlot {
    const slot = this.slots.get(id);
    if (slot === undefined) throw new Error(`no node ${id} in the pool`);
    return slot;
  }

  private memberSpec(id: string): string {
    const slot = this.slot(id);
    return `${id}=tcp://127.0.0.1:${slot.peerPort},${this.clientAddress(id)},${this.httpUrl(id)}`;
  }

  private identityFlags(id: string): string[] {
    const slot = this.slot(id);
    return [
      ...['--id', id, '--data-dir', this.dataDir(id)],
      ...['--peer-addr', `tcp://127.0.0.1:${slot.peerPort}`, '--client-addr', this.clientAddress(id)],
      ...['--http-addr', this.httpUrl(id)],
      ...this.restartFlags(id).slice(2),
    ];
  }

  private restartFlags(id: string): string[] {
    return [
      ...['--data-dir', this.dataDir(id)],
      ...['--election-timeout-ms', String(this.timing.electionTimeoutMs)],
      ...['--heartbeat-interval-ms', String(this.timing.heartbeatIntervalMs)],
      ...['--snapshot-threshold-entries', String(this.timing.snapshotThresholdEntries)],
      ...['--peer-dial-addr', this.network.dialOverrides(id)],
      ...['--log-level', 'info'],
    ];
  }

  private dataDir(id: string): string {
    return join(this.root, id);
  }
}
