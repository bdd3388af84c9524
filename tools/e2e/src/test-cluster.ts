// A cluster of real raftkvd processes on 127.0.0.1 for end-to-end tests: OS-assigned free ports, a
// temp directory per cluster, bounded waits on each node's HTTP /status. stop() SIGKILLs every
// process by PID, closes every client and removes the directory. With `secure` (the default), every
// node gets a CURVE key pair (--key-file), admits the cluster's one client key (--client-keys-file),
// and asks for the cluster's HTTP token (--http-tokens-file) and join credential (--join-token-file).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CurveKeyPair, generateCurveKeyPair, KvClient, type KvClientOptions } from '@raftkv/client';
import { eventually, fetchStatus, freePorts, type HttpStatus, RaftkvdProcess } from '@raftkv/testkit';

export interface ClusterOptions {
  readonly size: number;
  readonly electionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly snapshotThresholdEntries?: number;
  /** Runs before a node first starts, e.g. to mount a small file system on its data directory. */
  readonly prepareDataDir?: (id: string, dataDir: string) => void;
  /** Runs in stop() once every process has exited, before the directory is removed (e.g. unmount). */
  readonly releaseDataDir?: (id: string, dataDir: string) => void;
  /** Flags one node gets on top of the cluster's, e.g. a small --map-size-mb. */
  readonly extraFlags?: (id: string) => readonly string[];
  /** Seed every member of the new cluster from this backup file (raftkvd --restore). */
  readonly restore?: string | null;
  /** CURVE on every socket (the default): key pairs per node, one allow-listed client key pair. */
  readonly secure?: boolean;
}

export interface NodeAddresses {
  readonly peer: string;
  readonly client: string;
  readonly http: string;
}

export type { HttpStatus } from '@raftkv/testkit';

export const electionTimeoutMsDefault = 500;
const heartbeatIntervalMsDefault = 50;
/** Start attempts when a node finds its OS-assigned port taken by another process meanwhile. */
const startAttemptsMax = 3;

export class TestCluster {
  readonly processes = new Map<string, RaftkvdProcess>();
  readonly addresses = new Map<string, NodeAddresses>();
  private readonly clients: KvClient[] = [];
  private restarts = 0;
  private readonly nodeKeys = new Map<string, CurveKeyPair>();
  /** The key pair client() uses; on every node's allow-list when the cluster is secure. */
  readonly clientKeyPair: CurveKeyPair = generateCurveKeyPair();
  /** The HTTP API's bearer token (secure clusters: every node's --http-tokens-file holds it). */
  readonly httpToken = randomBytes(24).toString('base64url');
  /** The cluster's join credential (secure clusters: every node's --join-token-file). */
  readonly joinToken = randomBytes(24).toString('base64url');

  private constructor(
    readonly root: string,
    readonly options: Required<ClusterOptions>,
  ) {}

  /**
   * Starts `size` nodes bootstrapped with --initial-cluster and waits until every one serves and one
   * leads. A port the OS handed out can be taken by another process before the node binds it; a
   * start that fails that way is retried with fresh ports (bounded), any other failure is thrown.
   */
  static async start(options: ClusterOptions): Promise<TestCluster> {
    for (let attempt = 1; ; attempt += 1) {
      const cluster = new TestCluster(mkdtempSync(join(tmpdir(), 'raftkv-e2e-')), {
        electionTimeoutMs: electionTimeoutMsDefault,
        heartbeatIntervalMs: heartbeatIntervalMsDefault,
        snapshotThresholdEntries: 10_000,
        prepareDataDir: () => {},
        releaseDataDir: () => {},
        extraFlags: () => [],
        restore: null,
        secure: true,
        ...options,
      });
      try {
        await cluster.bootstrap(options.size);
        return cluster;
      } catch (error) {
        const portTaken = cluster.anyExitedWithAddressInUse();
        await cluster.stop();
        if (!portTaken || attempt >= startAttemptsMax) throw error;
      }
    }
  }

  get ids(): string[] {
    return [...this.addresses.keys()];
  }

  liveIds(): string[] {
    return this.ids.filter((id) => this.processes.get(id)?.alive === true);
  }

  clientAddress(id: string): string {
    return this.addresses.get(id)!.client;
  }

  httpUrl(id: string): string {
    return this.addresses.get(id)!.http;
  }

  /** A KvClient (closed by stop()); endpoints default to every node's client address. */
  /**
   * The raftkv CLI flags for this cluster's keys (files rewritten for the current members on each
   * call); none for a plaintext cluster.
   */
  cliKeyArgs(): string[] {
    if (!this.options.secure) return [];
    const keyFile = join(this.root, 'client.key.json');
    const serverKeysFile = join(this.root, 'server-keys.json');
    writeFileSync(keyFile, JSON.stringify(this.clientKeyPair), { mode: 0o600 });
    const serverKeys = Object.fromEntries(this.ids.map((id) => [this.clientAddress(id), this.publicKey(id)]));
    writeFileSync(serverKeysFile, JSON.stringify(serverKeys));
    return ['--key-file', keyFile, '--server-keys', serverKeysFile, '--token-file', this.tokenFile()];
  }

  /** Headers an HTTP call needs: the bearer token on a secure cluster, none otherwise. */
  httpHeaders(): Record<string, string> {
    return this.options.secure ? { authorization: `Bearer ${this.httpToken}` } : {};
  }

  /** A node's CURVE public key (secure clusters), created on first use. */
  publicKey(id: string): string {
    return this.keyPairOf(id).publicKey;
  }

  client(options: Partial<KvClientOptions> = {}): KvClient {
    const security = this.options.secure
      ? {
          security: {
            keyPair: this.clientKeyPair,
            serverKeys: new Map(this.ids.map((id) => [this.clientAddress(id), this.publicKey(id)] as const)),
          },
        }
      : {};
    const client = new KvClient({
      endpoints: this.ids.map((id) => this.clientAddress(id)),
      ...security,
      ...options,
    });
    this.clients.push(client);
    return client;
  }

  status(id: string): Promise<HttpStatus> {
    return fetchStatus(this.httpUrl(id), undefined, this.options.secure ? this.httpToken : null);
  }

  /** The live node that reports itself leader at the highest term, once there is one. */
  async waitForLeader(timeoutMs: number, options: { aboveTerm?: number } = {}): Promise<HttpStatus> {
    return eventually(
      async () => {
        const statuses = await Promise.all(this.liveIds().map((id) => this.status(id).catch(() => null)));
        const leaders = statuses.filter(
          (status): status is HttpStatus =>
            status?.role === 'leader' && status.term > (options.aboveTerm ?? 0),
        );
        return leaders.sort((a, b) => b.term - a.term)[0];
      },
      { timeoutMs, intervalMs: 20, what: 'a leader' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.logTails()}`);
    });
  }

  /** Waits until node `id` has applied at least `index`. */
  async waitForApplied(id: string, index: number, timeoutMs: number): Promise<HttpStatus> {
    return eventually(
      async () => {
        const status = await this.status(id);
        return status.appliedIndex >= index ? status : undefined;
      },
      { timeoutMs, what: `${id} to apply index ${index}` },
    );
  }

  kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const process = this.processes.get(id)!;
    process.kill(signal);
    return process.waitForExit(15_000);
  }

  /**
   * Restarts a stopped node from its data directory alone (identity and membership are persisted),
   * with `flags` on top (e.g. a larger --map-size-mb, or --force-new-cluster).
   */
  restart(id: string, flags: readonly string[] = []): RaftkvdProcess {
    return this.spawn(id, [
      '--data-dir',
      this.dataDir(id),
      ...this.timingFlags(),
      ...this.keyFlags(id),
      ...flags,
    ]);
  }

  /** Starts a new, empty node that asks `via` (any member's HTTP address) to join the cluster. */
  async join(id: string, via: string): Promise<RaftkvdProcess> {
    this.addresses.set(id, await this.freeAddresses());
    return this.spawn(id, [...this.identityFlags(id), '--join', via]);
  }

  /**
   * Starts node `id` again under its OLD id and addresses with an empty data directory, asking `via`
   * to add it: the last step of rebuilding a member (its damaged directory moved aside, the member
   * removed from the configuration first; apps/node/README.md "Rebuilding a member").
   */
  rejoin(id: string, via: string): RaftkvdProcess {
    if (existsSync(this.dataDir(id)))
      throw new Error(`${this.dataDir(id)} still exists; move it aside first`);
    return this.spawn(id, [...this.identityFlags(id), '--join', via]);
  }

  /** SIGKILLs every node by PID, closes the clients, releases the data directories, removes the directory. */
  async stop(): Promise<void> {
    for (const client of this.clients.splice(0)) client.close();
    const processes = [...this.processes.values()];
    for (const process of processes) process.kill('SIGKILL');
    await Promise.all(processes.map((process) => process.waitForExit(15_000)));
    try {
      for (const id of this.ids) this.options.releaseDataDir(id, this.dataDir(id));
    } finally {
      rmSync(this.root, { recursive: true, force: true });
    }
  }

  logTails(): string {
    return [...this.processes.entries()]
      .map(
        ([id, process]) =>
          `--- ${id} log${process.alive ? '' : ` (exited: ${exitOf(process)})`}:\n${process.logTail(8)}`,
      )
      .join('\n');
  }

  private spawn(id: string, args: readonly string[]): RaftkvdProcess {
    this.restarts += 1;
    const process = new RaftkvdProcess(id, join(this.root, `${id}.${this.restarts}.log`), args);
    this.processes.set(id, process);
    return process;
  }

  private identityFlags(id: string): string[] {
    const address = this.addresses.get(id)!;
    return [
      ...['--id', id, '--data-dir', this.dataDir(id)],
      ...['--peer-addr', address.peer, '--client-addr', address.client, '--http-addr', address.http],
      ...this.timingFlags(),
      ...this.keyFlags(id),
    ];
  }

  private keyPairOf(id: string): CurveKeyPair {
    let pair = this.nodeKeys.get(id);
    if (pair === undefined) {
      pair = generateCurveKeyPair();
      this.nodeKeys.set(id, pair);
    }
    return pair;
  }

  /** --key-file and --client-keys-file for a secure cluster (files written on first use); else none. */
  private keyFlags(id: string): string[] {
    if (!this.options.secure) return [];
    const keyFile = join(this.root, `${id}.key.json`);
    const clientKeysFile = join(this.root, 'clients.keys');
    if (!existsSync(keyFile)) writeFileSync(keyFile, JSON.stringify(this.keyPairOf(id)), { mode: 0o600 });
    if (!existsSync(clientKeysFile)) writeFileSync(clientKeysFile, `${this.clientKeyPair.publicKey}\n`);
    const joinTokenFile = join(this.root, 'join.token');
    if (!existsSync(joinTokenFile)) writeFileSync(joinTokenFile, `${this.joinToken}\n`, { mode: 0o600 });
    return [
      ...['--key-file', keyFile, '--client-keys-file', clientKeysFile],
      ...['--http-tokens-file', this.tokenFile(), '--join-token-file', joinTokenFile],
    ];
  }

  /** The file holding the HTTP token: raftkvd's --http-tokens-file and the CLI's --token-file. */
  private tokenFile(): string {
    const path = join(this.root, 'http.token');
    if (!existsSync(path)) writeFileSync(path, `${this.httpToken}\n`, { mode: 0o600 });
    return path;
  }

  private timingFlags(): string[] {
    return [
      ...['--election-timeout-ms', String(this.options.electionTimeoutMs)],
      ...['--heartbeat-interval-ms', String(this.options.heartbeatIntervalMs)],
      ...['--snapshot-threshold-entries', String(this.options.snapshotThresholdEntries)],
      ...['--log-level', 'info'],
    ];
  }

  dataDir(id: string): string {
    return join(this.root, id);
  }

  private async freeAddresses(): Promise<NodeAddresses> {
    const [peer = 0, client = 0, http = 0] = await freePorts(3);
    return addressesOf(peer, client, http);
  }

  /** Spawns every node at once; all ports come from ONE freePorts call, so no two nodes share one. */
  private async bootstrap(size: number): Promise<void> {
    const ids = Array.from({ length: size }, (_, index) => `n${index + 1}`);
    const ports = await freePorts(3 * size);
    ids.forEach((id, index) => {
      const [peer = 0, client = 0, http = 0] = ports.slice(3 * index, 3 * index + 3);
      this.addresses.set(id, addressesOf(peer, client, http));
    });
    const initialCluster = ids
      .map((id) => {
        const address = this.addresses.get(id)!;
        const key = this.options.secure ? `,${this.publicKey(id)}` : '';
        return `${id}=${address.peer},${address.client},${address.http}${key}`;
      })
      .join(';');
    const restore = this.options.restore === null ? [] : ['--restore', this.options.restore];
    for (const id of ids) {
      this.options.prepareDataDir(id, this.dataDir(id));
      this.spawn(id, [
        ...this.identityFlags(id),
        '--initial-cluster',
        initialCluster,
        ...restore,
        ...this.options.extraFlags(id),
      ]);
    }
    await this.waitUntilEveryNodeServes(30_000);
  }

  /**
   * Every node answers /status and one of them leads. A node that exits meanwhile fails the wait at
   * once: a test must never go on with fewer members than it started (it would lose its quorum later).
   */
  private async waitUntilEveryNodeServes(timeoutMs: number): Promise<void> {
    const outcome = await eventually(
      async () => {
        const exited = this.ids.filter((id) => this.processes.get(id)?.alive !== true);
        if (exited.length > 0) return { exited };
        const statuses = await Promise.all(this.ids.map((id) => this.status(id)));
        return statuses.some((status) => status.role === 'leader') ? { exited } : undefined;
      },
      { timeoutMs, intervalMs: 20, what: 'every node to serve and one to lead' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.logTails()}`);
    });
    if (outcome.exited.length > 0) {
      throw new Error(`${outcome.exited.join(', ')} exited while the cluster started\n${this.logTails()}`);
    }
  }

  /** Whether a node exited because its address was taken (raftkvd logs EADDRINUSE and exits 1). */
  private anyExitedWithAddressInUse(): boolean {
    return [...this.processes.values()].some(
      (process) => !process.alive && process.logTail(50).includes('EADDRINUSE'),
    );
  }
}

function addressesOf(peer: number, client: number, http: number): NodeAddresses {
  return {
    peer: `tcp://127.0.0.1:${peer}`,
    client: `tcp://127.0.0.1:${client}`,
    http: `http://127.0.0.1:${http}`,
  };
}

function exitOf(process: RaftkvdProcess): string {
  return process.signal !== null ? process.signal : `code ${process.exitCode}`;
}
