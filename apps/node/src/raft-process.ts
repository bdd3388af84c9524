// One cluster member in this OS process: opens its data directory (the write-ahead log and the LMDB
// KV store, which owns its commit policy), binds the ZeroMQ peer and client endpoints and the HTTP
// API, and drives the RaftActor with a ticker and coalesced turns. Owns every handle it opens and
// closes them on shutdown. The core never sees a timer or socket.

import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { ClientSecurity } from '@raftkv/client';
import { defaultKvLimits, type KvApplyResult, type KvLimits, type KvQuery, KvStateMachine } from '@raftkv/kv';
import type { ClientRequest } from '@raftkv/protocol';
import {
  type ActorEvent,
  assert,
  bootstrapState,
  type Configuration,
  compactionDefault,
  defaultRaftConfig,
  type Message,
  type NodeId,
  type NodeStatus,
  nodeId,
  RaftActor,
  type RaftConfig,
  SeededPrng,
  type SnapshotMetadata,
  type SoftState,
} from '@raftkv/raft';
import { encodeSnapshotFile, type LmdbEnvironment, LmdbKvStore, openLmdbEnvironment } from '@raftkv/storage';
import type { ClientReply } from '@raftkv/transport-zmq';
import { ClientEndpoint, type ConnectionRefusal, PeerTransport } from '@raftkv/transport-zmq';
import { listenHost, zmqBindAddress } from './addresses.js';
import { AlarmReporter } from './alarm-reporter.js';
import { StaleMemberError } from './cluster-join.js';
import type { NodeConfig } from './config.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { warnInsecure, warnOpenHttp } from './exposure-warnings.js';
import { HttpAccess } from './http-access.js';
import { HttpApi } from './http-api.js';
import { jsonError, type StartedHttpServer, startHttpServer } from './http-server.js';
import { readIdentity, writeIdentity } from './identity.js';
import { JoinLoop } from './join-loop.js';
import { LeaderForwarding } from './leader-forwarding.js';
import { LearnerPromotion } from './learner-promotion.js';
import type { Logger } from './logger.js';
import { parseMemberAddress } from './member-address.js';
import { NodeMetrics } from './metrics.js';
import { type NoSpaceAlarm, noSpaceAlarmFor, noSpaceProbeIntervalMs, probeSpace } from './no-space-alarm.js';
import { PeerDirectory } from './peer-directory.js';
import { forceNewCluster, readBackup, restoreBackup } from './recovery.js';
import { RefusalLog } from './refusal-log.js';
import { RequestHandler } from './request-handler.js';
import {
  bootstrapConfiguration,
  type SettledAddresses,
  StartupRefusedError,
  settleAddresses,
} from './settle-addresses.js';
import { planStartup, type StartupPlan } from './startup-plan.js';
import { TurnLoop } from './turn-loop.js';

export { StartupRefusedError };

/**
 * The KV limits every raftkvd uses. The KV store keeps each user key under a one-byte prefix in
 * LMDB, whose keys are at most LmdbKvStore.keyBytesMax bytes: a longer user key would fail a whole
 * apply with a storage error, so the KV limit must refuse it first as 'key-too-large'.
 */
export const raftkvdKvLimits: KvLimits = defaultKvLimits;
assert(
  raftkvdKvLimits.keyBytesMax < LmdbKvStore.keyBytesMax,
  () =>
    `keyBytesMax ${raftkvdKvLimits.keyBytesMax} does not fit LMDB keys of ${LmdbKvStore.keyBytesMax} bytes`,
);

/** How long a leader waits on shutdown for another member to take over (thesis §3.10). */
export const leadershipHandoffTimeoutsMax = 2;
/** How long shutdown waits for requests in flight before answering the rest 'shutting-down'. */
export const shutdownDrainMsMax = 2000;

const mebibyte = 1024 * 1024;

interface Parts {
  readonly config: NodeConfig;
  readonly logger: Logger;
  readonly lock: DataDirLock;
  readonly environment: LmdbEnvironment;
  readonly transport: PeerTransport;
  readonly endpoint: ClientEndpoint;
  readonly http: StartedHttpServer;
  readonly addresses: SettledAddresses;
  readonly join: string | null;
  /** The data directory had no identity yet: this is its first start. */
  readonly firstStart: boolean;
  /** Logs every caller turned away (peer, client, HTTP). */
  readonly refusals: RefusalLog;
}

export class RaftProcess {
  readonly id: NodeId;
  private readonly actor: RaftActor<KvQuery, KvApplyResult>;
  private readonly stateMachine: KvStateMachine;
  private readonly turns: TurnLoop;
  private readonly handler: RequestHandler;
  readonly httpApi: HttpApi;
  private readonly httpAccess: HttpAccess;
  private readonly directory: PeerDirectory;
  private readonly promotion: LearnerPromotion;
  private readonly joinLoop: JoinLoop | null;
  private readonly ticker: NodeJS.Timeout;
  private shutdown: Promise<void> | null = null;
  private stoppedByFailure = false;
  /** Raised when the disk or the LMDB map is full: the actor has stopped, writes are refused. */
  private noSpace: NoSpaceAlarm | null = null;
  private noSpaceProbe: NodeJS.Timeout | null = null;
  /** Records this member's alarm in the replicated state and clears it (docs/reliability.md "Full disks"). */
  private readonly alarmReporter: AlarmReporter;

  private constructor(
    private readonly parts: Parts,
    /** A turn failed: the caller must crash-stop the process (never continue after a failed persist). */
    private readonly onFatal: (error: unknown) => void,
    /** The disk-full alarm's probe write succeeded: the caller stops this node and starts it again. */
    private readonly onSpaceFreed: () => void,
  ) {
    const { config, logger, environment, addresses } = parts;
    this.id = nodeId(addresses.id);
    this.stateMachine = new KvStateMachine(environment.kv, { limits: raftkvdKvLimits });
    this.alarmReporter = new AlarmReporter({
      id: this.id,
      // While this member's own alarm is raised its actor is stopped: only the others can propose.
      endpoints: () => this.clientEndpoints(this.noSpace === null),
      timeoutMs: config.requestTimeoutMs,
      security: () => this.memberClientSecurity(),
      logger,
    });
    this.directory = new PeerDirectory(
      this.id,
      parts.transport,
      (id, address) =>
        logger.warn(
          { member: id, address },
          `${this.id} cannot read the address of member ${id}; it is unreachable`,
        ),
      config.peerDialAddr,
    );
    const seed = randomInt(0, 2 ** 32 - 1);
    logger.debug({ seed }, `${this.id} election timeouts drawn from seed ${seed}`);
    this.actor = RaftActor.start({
      config: raftConfig(this.id, config),
      storage: environment.log,
      stateMachine: this.stateMachine,
      transport: parts.transport,
      random: new SeededPrng(seed),
      compaction: {
        thresholdEntries: config.snapshotThresholdEntries,
        trailingEntries: Math.min(
          compactionDefault.trailingEntries,
          Math.floor(config.snapshotThresholdEntries / 10),
        ),
      },
      observer: {
        onSoftState: (_id, softState) => this.onSoftState(softState),
        onPersisted: (_id, ready) => {
          if (ready.snapshot !== null) this.onSnapshotInstalled(ready.snapshot.metadata);
        },
      },
    });
    this.turns = new TurnLoop(
      {
        hasWork: () => this.actor.hasWork(),
        // The replies settled by a turn's apply leave right after it, before the storage commits
        // that apply (by its own policy, later): their outcome is already decided by the committed
        // log entries (durable on a majority, paper §5.3), not by this disk.
        runTurn: () => {
          const acted = this.actor.runTurn();
          parts.endpoint.flush();
          return acted;
        },
      },
      () => this.afterTurns(),
      (error) => this.failStop(error),
    );
    this.handler = new RequestHandler(
      {
        deliver: (event) => this.deliver(event),
        status: () => this.actor.status(),
        queryLocal: (query) => ({
          index: this.stateMachine.appliedIndex(),
          result: this.stateMachine.query(query),
        }),
        revision: () => this.stateMachine.currentRevision(),
        isShuttingDown: () => this.shutdown !== null,
        noSpace: () => this.noSpace,
        clusterAlarms: () => this.stateMachine.alarms(),
      },
      config.requestTimeoutMs,
    );
    this.promotion = new LearnerPromotion((event) => this.deliver(event), {
      onPromoted: (id, index) =>
        logger.info({ member: id, index }, `${this.id} promoted learner ${id} to voter at index ${index}`),
      onPromotionFailed: (id, reason) =>
        logger.debug({ member: id, reason }, `${this.id} could not promote learner ${id} yet: ${reason}`),
    });
    const metrics = new NodeMetrics(this.id, {
      status: () => this.actor.status(),
      noSpace: () => this.noSpace,
      clusterAlarms: () => this.stateMachine.alarms(),
      counters: () => ({ peer: { ...parts.transport.counters() }, client: { ...parts.endpoint.counters() } }),
    });
    this.httpAccess = new HttpAccess({
      apiTokens: config.httpAuth.tokens,
      joinToken: config.httpAuth.joinToken,
    });
    this.httpApi = new HttpApi({
      access: this.httpAccess,
      onRefused: (refusal) => parts.refusals.http(refusal),
      handler: this.handler,
      forwarding: new LeaderForwarding({
        selfId: this.id,
        requestTimeoutMs: config.requestTimeoutMs,
        httpAddressOf: (id) => this.directory.addressOf(id)?.http ?? null,
      }),
      status: () => this.actor.status(),
      isShuttingDown: () => this.shutdown !== null,
      noSpace: () => this.noSpace,
      clusterAlarms: () => this.stateMachine.alarms(),
      metrics: async () => ({ contentType: metrics.contentType, text: await metrics.text() }),
      keyBytesMax: raftkvdKvLimits.keyBytesMax,
      // The view opens at the first chunk, so an answer never started holds no read transaction.
      openBackup: async function* () {
        yield* encodeSnapshotFile(environment.kv.openSnapshotView());
      },
    });
    const { configuration } = this.actor.status();
    this.onConfiguration(configuration);
    this.joinLoop = this.startJoinLoop(parts.join);
    this.ticker = setInterval(() => this.onTick(), config.heartbeatIntervalMs / ticksPerHeartbeat);
    logger.info(
      {
        id: this.id,
        peer: addresses.advertise.peer,
        client: addresses.advertise.client,
        http: addresses.advertise.http,
      },
      `${this.id} started: peers ${addresses.advertise.peer}, clients ${addresses.advertise.client}, http ${addresses.advertise.http}`,
    );
    this.turns.schedule();
  }

  /**
   * Opens, binds and bootstraps as the settings and the data directory say. Throws
   * StartupRefusedError for settings that contradict the data directory (a usage error).
   */
  static async start(
    config: NodeConfig,
    logger: Logger,
    onFatal: (error: unknown) => void,
    onSpaceFreed: () => void = () => {},
  ): Promise<RaftProcess> {
    const identity = readIdentity(config.dataDir);
    const planned = planStartup(config, identity);
    if (!planned.ok) throw new StartupRefusedError(planned.message);
    const { plan } = planned;
    const backup = config.restore === null ? null : readBackup(config.restore);
    mkdirSync(config.dataDir, { recursive: true });
    const cleanup: Array<() => void | Promise<void>> = [];
    try {
      const lock = lockDataDir(config.dataDir);
      cleanup.push(() => lock.release());
      const late: { node: RaftProcess | null } = { node: null };
      const environment = openLmdbEnvironment({
        directory: config.dataDir,
        mapSizeBytes: config.mapSizeMb * mebibyte,
        // An append whose sync never returned was never acknowledged: cutting it off loses nothing
        // promised, but an operator should see that it happened.
        onTornTail: ({ file, validBytes, droppedBytes }) =>
          logger.warn(
            { file, validBytes, droppedBytes },
            `${plan.id} cut a torn final write of ${droppedBytes} bytes off ${file} (kept ${validBytes} bytes)`,
          ),
        // A background commit of applied state failed: crash-stop like a failed turn.
        onFailure: (error) => (late.node === null ? onFatal(error) : late.node.failStopOnStorage(error)),
      });
      cleanup.push(() => environment.close());
      const security = config.security;
      const refusals = new RefusalLog(logger, plan.id);
      const transport = await PeerTransport.bind({
        id: nodeId(plan.id),
        bindAddress: zmqBindAddress(plan.bind.peer),
        onMessages: (messages) => late.node?.onPeerMessages(messages),
        ...(security === null
          ? {}
          : {
              security: {
                keyPair: security.keyPair,
                onRefused: (refusal) => refusals.connection('peer', refusal),
              },
            }),
      });
      cleanup.push(() => transport.close());
      const endpoint = await ClientEndpoint.bind({
        ...(security === null
          ? {}
          : {
              security: {
                keyPair: security.keyPair,
                allowedClientKeys: security.clientKeys,
                onRefused: (refusal: ConnectionRefusal) => refusals.connection('client', refusal),
              },
            }),
        bindAddress: zmqBindAddress(plan.bind.client),
        onRequest: (request, reply) => {
          if (late.node === null) replyNotReady(reply);
          else late.node.onClientRequest(request, reply);
        },
      });
      cleanup.push(() => endpoint.close());
      const http = await startHttpServer(
        listenHost(plan.bind.http),
        plan.bind.http.port,
        (request) => late.node?.httpApi.handle(request) ?? Promise.resolve(jsonError(503, 'starting up')),
        logger,
      );
      cleanup.push(() => http.close());
      if (security === null) warnInsecure(logger, plan.id, config.insecure, Object.values(plan.bind));
      else if (config.httpAuth.tokens === null) warnOpenHttp(logger, plan.id, plan.bind.http);
      const addresses = settleAddresses(plan, {
        peer: transport.address,
        client: endpoint.address,
        httpPort: http.port,
      });
      const publicKey = security?.keyPair.publicKey ?? null;
      if (backup !== null && plan.bootstrap !== null)
        restoreBackup(
          environment,
          backup,
          bootstrapConfiguration(plan.bootstrap, addresses, publicKey),
          plan.id,
          logger,
        );
      else maybeBootstrap(environment, plan, addresses, logger, publicKey);
      if (config.forceNewCluster) forceNewCluster(environment, addresses, logger, publicKey);
      if (plan.firstStart) writeIdentity(config.dataDir, { ...addresses, join: plan.join });
      late.node = new RaftProcess(
        {
          config,
          logger,
          lock,
          environment,
          transport,
          endpoint,
          http,
          addresses,
          join: plan.join,
          firstStart: plan.firstStart,
          refusals,
        },
        onFatal,
        onSpaceFreed,
      );
      return late.node;
    } catch (error) {
      for (const close of cleanup.reverse()) await close();
      throw error;
    }
  }

  /** Replaces the client allow-list (SIGHUP); connections already up are kept. */
  setAllowedClientKeys(keys: readonly string[]): void {
    this.parts.endpoint.setAllowedClientKeys(keys);
  }

  /** Replaces the HTTP API's bearer tokens (SIGHUP). */
  setHttpTokens(tokens: readonly string[]): void {
    this.httpAccess.setApiTokens(tokens);
  }

  get advertised(): SettledAddresses['advertise'] {
    return this.parts.addresses.advertise;
  }

  status(): NodeStatus {
    return this.actor.status();
  }

  /**
   * Graceful shutdown: stop taking requests; a leader hands leadership to the most caught-up voter
   * (thesis §3.10) and waits, bounded; requests in flight are answered; then every handle closes.
   */
  stop(reason: string): Promise<void> {
    this.shutdown ??= this.runShutdown(reason);
    return this.shutdown;
  }

  private async runShutdown(reason: string): Promise<void> {
    const { logger, http, endpoint, transport, environment, lock, config } = this.parts;
    logger.info({ reason }, `${this.id} shutting down (${reason})`);
    http.stopAccepting();
    this.joinLoop?.stop();
    this.alarmReporter.stop();
    if (this.noSpaceProbe !== null) clearInterval(this.noSpaceProbe);
    // A member in the no-space alarm has stopped its actor: it leads no one and can hand off nothing.
    if (this.noSpace === null) await this.maybeHandOffLeadership();
    const drainMs = Math.min(shutdownDrainMsMax, config.requestTimeoutMs);
    if (this.handler.inFlightCount > 0) {
      logger.info(
        { requests: this.handler.inFlightCount },
        `${this.id} answering ${this.handler.inFlightCount} requests in flight`,
      );
      await Promise.race([this.handler.settled(), delay(drainMs)]);
    }
    clearInterval(this.ticker);
    this.turns.stop();
    this.actor.stop();
    await delay(0);
    logger.info(`${this.id} closing sockets, HTTP server and storage`);
    await http.close();
    endpoint.close();
    transport.close();
    try {
      environment.close();
    } catch (error) {
      // After a refused write the storage may not close cleanly; what it synced before is on disk,
      // and the next open reads it (cutting off a torn final write).
      if (this.noSpace === null) throw error;
      logger.warn(
        { err: error },
        `${this.id} closed its storage after the no-space alarm: ${(error as Error).message}`,
      );
    }
    lock.release();
    logger.info(`${this.id} stopped`);
  }

  private async maybeHandOffLeadership(): Promise<void> {
    const { logger, config } = this.parts;
    const status = this.actor.status();
    if (status.role !== 'leader') return;
    const target = mostCaughtUpVoter(status);
    if (target === null) {
      logger.info(`${this.id} leads alone; no one to hand leadership to`);
      return;
    }
    logger.info({ to: target }, `${this.id} transferring leadership to ${target}`);
    this.deliver({ type: 'transferLeadership', to: target, onResult: () => {} });
    const deadline = Date.now() + leadershipHandoffTimeoutsMax * config.electionTimeoutMs;
    while (Date.now() < deadline) {
      await delay(config.heartbeatIntervalMs);
      const now = this.actor.status();
      if (now.role !== 'leader' && now.leaderId !== null && now.leaderId !== this.id) {
        logger.info(
          { to: now.leaderId, term: now.term },
          `${this.id} handed leadership to ${now.leaderId} at term ${now.term}`,
        );
        return;
      }
    }
    logger.warn(
      { to: target },
      `${this.id} leadership transfer to ${target} did not complete in time; stopping anyway`,
    );
  }

  private deliver(event: ActorEvent<KvQuery, KvApplyResult>): boolean {
    const accepted = this.actor.deliver(event);
    this.turns.schedule();
    return accepted;
  }

  private onPeerMessages(messages: readonly Message[]): void {
    for (const message of messages) this.actor.deliver({ type: 'message', message });
    this.turns.schedule();
  }

  private onClientRequest(request: ClientRequest, reply: ClientReply): void {
    this.handler.handleWithReply(request, reply);
  }

  private onTick(): void {
    this.deliver({ type: 'tick' });
    this.promotion.maybePromote(this.actor.status());
  }

  private afterTurns(): void {
    this.handler.onApplied();
    const status = this.actor.status();
    this.onConfiguration(status.configuration);
    this.maybeClearOwnAlarm();
  }

  /**
   * This member's alarm is still in the replicated state, but its own storage takes writes (it has
   * just applied the entries that recorded the alarm, or restarted after the probe found space):
   * it asks the cluster to clear the alarm, so writes resume (etcd: the member disarms once healthy).
   */
  private maybeClearOwnAlarm(): void {
    if (this.noSpace !== null || this.shutdown !== null) return;
    if (!this.stateMachine.alarms().some((alarm) => alarm.member === this.id)) return;
    if (this.alarmReporter.deactivate())
      this.parts.logger.info(`${this.id} takes writes again; clearing its no-space alarm in the cluster`);
  }

  /** The client addresses of the members in the latest configuration, this one included or not. */
  /**
   * How this member calls the others' client endpoints on a secure cluster: with its own key pair
   * (each member admits the members' keys) and each member's key for its client address.
   */
  private memberClientSecurity(): ClientSecurity | null {
    const security = this.parts.config.security;
    if (security === null) return null;
    const serverKeys = new Map<string, string>();
    for (const member of this.actor.status().configuration.members) {
      const address = parseMemberAddress(member.address);
      if (address?.client != null && address.key != null) serverKeys.set(address.client, address.key);
    }
    return { keyPair: security.keyPair, serverKeys };
  }

  /** A configuration seen: the peer address book and, on a secure node, the member keys admitted as clients. */
  private onConfiguration(configuration: Configuration): void {
    if (!this.directory.maybeUpdate(configuration)) return;
    this.logConfiguration(configuration);
    if (this.parts.config.security === null) return;
    this.parts.endpoint.setMemberKeys(
      configuration.members.flatMap((member) => parseMemberAddress(member.address)?.key ?? []),
    );
  }

  private clientEndpoints(includeSelf: boolean): string[] {
    return this.actor
      .status()
      .configuration.members.filter((member) => includeSelf || member.id !== this.id)
      .flatMap((member) => parseMemberAddress(member.address)?.client ?? []);
  }

  private onSoftState(softState: SoftState): void {
    const { role, term, leaderId } = softState;
    const roleName = role === 'preCandidate' ? 'pre-candidate' : role;
    const leader = role === 'follower' ? (leaderId === null ? ' (no leader)' : ` (leader ${leaderId})`) : '';
    this.parts.logger.info(
      { role, term, leader: leaderId },
      `${this.id} became ${roleName} at term ${term}${leader}`,
    );
  }

  private onSnapshotInstalled({ index, term }: SnapshotMetadata): void {
    this.parts.logger.info({ index, term }, `${this.id} installed snapshot at index ${index} term ${term}`);
  }

  private logConfiguration(configuration: Configuration): void {
    const members = configuration.members.map((member) => `${member.id} ${member.role}`).join(', ');
    this.parts.logger.info(
      { members: configuration.members.map(({ id, role }) => ({ id, role })) },
      `${this.id} configuration is now: ${members === '' ? 'empty' : members}`,
    );
  }

  private startJoinLoop(join: string | null): JoinLoop | null {
    const isMember = () => this.actor.status().configuration.members.some((member) => member.id === this.id);
    if (join === null || isMember()) return null;
    const startedEmpty = this.actor.status().configuration.members.length === 0;
    const { advertise } = this.parts.addresses;
    return new JoinLoop({
      id: this.id,
      address: {
        peer: advertise.peer,
        client: advertise.client,
        http: advertise.http,
        key: this.parts.config.security?.keyPair.publicKey ?? null,
      },
      credential: this.parts.config.httpAuth.joinToken,
      via: join,
      timeoutMs: this.parts.config.requestTimeoutMs,
      isMember,
      onMembersLearned: (members) => this.directory.learn(members),
      startedEmpty,
      firstStart: this.parts.firstStart,
      onStaleMember: (message) => this.failStop(new StaleMemberError(message)),
      logger: this.parts.logger,
    });
  }

  /** The storage's background commit failed (the environment refuses further writes). */
  failStopOnStorage(error: unknown): void {
    this.turns.stop();
    this.failStop(error);
  }

  /**
   * The disk or the LMDB map refused a write. The turn that failed sent nothing that depended on it
   * and settled no request (the persist comes before every acknowledgement, thesis §3.8), but it
   * left the actor mid-Ready and the storage refusing further use: the actor stops for good. The
   * member stays up, answering writes 'no-space' and reads by pointing at the last leader it knew
   * (RequestHandler); its peers carry on without it (a majority with space still commits, paper
   * §5.3). It asks them to record the alarm in the replicated state (AlarmReporter), after which
   * every member refuses writes that add data. Disk full: a probe write every second; once it
   * succeeds, onSpaceFreed restarts the member from its data directory, as a process restart would,
   * and the restarted member clears its alarm in the cluster (maybeClearOwnAlarm).
   */
  private raiseNoSpace(alarm: NoSpaceAlarm): void {
    if (this.noSpace !== null || this.stoppedByFailure) return;
    this.noSpace = alarm;
    const { logger, config } = this.parts;
    clearInterval(this.ticker);
    this.turns.stop();
    this.actor.stop();
    const next =
      alarm.reason === 'disk-full'
        ? `writes resume by themselves once space is freed on the disk holding ${config.dataDir} (probed every ${noSpaceProbeIntervalMs} ms)`
        : `writes resume once raftkvd is restarted with a larger --map-size-mb (now ${config.mapSizeMb}) and the disk space for it`;
    logger.error(
      { alarm: alarm.alarm, reason: alarm.reason, detail: alarm.message },
      `${this.id} raised the no-space alarm (${alarm.reason}): ${alarm.message} The cluster refuses writes that add data once it records the alarm; ${next}`,
    );
    this.alarmReporter.activate(alarm);
    if (alarm.reason !== 'disk-full') return;
    this.noSpaceProbe = setInterval(() => {
      if (this.shutdown !== null || !probeSpace(config.dataDir)) return;
      if (this.noSpaceProbe !== null) clearInterval(this.noSpaceProbe);
      this.noSpaceProbe = null;
      logger.info(`${this.id} has disk space again; restarting from its data directory to clear the alarm`);
      this.onSpaceFreed();
    }, noSpaceProbeIntervalMs);
  }

  private failStop(error: unknown): void {
    const alarm = noSpaceAlarmFor(error, new Date());
    if (alarm !== null) {
      this.raiseNoSpace(alarm);
      return;
    }
    if (this.stoppedByFailure) return;
    this.stoppedByFailure = true;
    this.alarmReporter.stop();
    clearInterval(this.ticker);
    this.onFatal(error);
  }
}

/**
 * Ticks per heartbeat interval. The core counts time only in ticks, so a tick bounds how finely the
 * starvation check sees acknowledgement lag: a leader whose links were throttled to 256 kbit/s
 * answered writes in 60-150 ms (8 ms before), mostly under a 100 ms tick, and a tick per heartbeat
 * left that lag invisible. A quarter heartbeat lets it count entries pending over half a heartbeat.
 */
const ticksPerHeartbeat = 4;

function raftConfig(id: NodeId, config: NodeConfig): RaftConfig {
  return {
    ...defaultRaftConfig(id),
    electionTimeoutTicks:
      Math.floor(config.electionTimeoutMs / config.heartbeatIntervalMs) * ticksPerHeartbeat,
    heartbeatIntervalTicks: ticksPerHeartbeat,
    // Paper §5.6: the broadcast time should be far below the election timeout; lag counts from
    // half a heartbeat interval, a twentieth of it by default.
    starvationLagTicks: ticksPerHeartbeat / 2,
  };
}

/** Writes the initial configuration (hashicorp/raft BootstrapCluster) into an empty log; never over data. */
function maybeBootstrap(
  environment: LmdbEnvironment,
  plan: StartupPlan,
  addresses: SettledAddresses,
  logger: Logger,
  publicKey: string | null,
): void {
  if (plan.bootstrap === null) return;
  const log = environment.log;
  if (log.lastIndex() > 0 || log.initialState().hardState.term > 0 || log.initialState().snapshot !== null) {
    logger.info(`${plan.id} already holds a log; ignoring the bootstrap settings`);
    return;
  }
  const configuration = bootstrapConfiguration(plan.bootstrap, addresses, publicKey);
  const state = bootstrapState(configuration);
  log.persist({ hardState: state.hardState, entries: state.entries, snapshot: null });
  const members = configuration.members.map((member) => member.id).join(', ');
  logger.info(
    { members: configuration.members.map((member) => member.id) },
    `${plan.id} bootstrapped a cluster of ${members}`,
  );
}

/** The voter other than the leader with the highest matchIndex, preferring ones heard from recently. */
function mostCaughtUpVoter(status: NodeStatus): NodeId | null {
  let best: { id: NodeId; score: number } | null = null;
  for (const member of status.configuration.members) {
    const progress = status.progress?.[member.id];
    if (member.role !== 'voter' || member.id === status.id || progress === undefined) continue;
    const score = progress.matchIndex + (progress.recentlyActive ? Number.MAX_SAFE_INTEGER / 2 : 0);
    if (best === null || score > best.score) best = { id: member.id, score };
  }
  return best?.id ?? null;
}

function replyNotReady(reply: ClientReply): void {
  reply({
    ok: false,
    error: { code: 'shutting-down', message: 'the node is still starting; retry shortly' },
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
