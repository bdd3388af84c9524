// KvClient: the typed raftkv client. Finds the leader, follows redirects, retries writes with the
// same exactly-once session sequence (thesis §6.3) and reads linearizably by default (thesis §6.4).
// Many requests may be in flight; they share one socket per node. Holds no consensus logic.
import type { AlarmOperation, KvOperation, KvQuery, MemberAlarm, NoSpaceReason } from '@raftkv/kv';
import type { ClientRequestBody, ClientResult, NodeAlarm, ReadConsistency } from '@raftkv/protocol';
import { type MembershipChange, type NodeStatus, nodeId } from '@raftkv/raft';
import { KvClientError } from './client-error.js';
import { toBytes } from './internal/bytes.js';
import { EndpointPool } from './internal/endpoint-pool.js';
import { compareAndSwapOperation, rangeOperation, transactionOperation } from './internal/operations.js';
import { RequestRunner, type Route, type RunOutcome } from './internal/request-runner.js';
import { positiveInteger, resolveOptions } from './internal/resolve-options.js';
import {
  casResult,
  deleteResult,
  expectKind,
  getResult,
  membersResult,
  type OkKvResult,
  okKvResult,
  putResult,
  rangeResult,
  txnResult,
} from './internal/result-mapping.js';
import { WriteSessions, type WriteTicket } from './internal/write-session.js';
import type { KvClientOptions, ResolvedOptions } from './options.js';
import type {
  Bytes,
  CasExpectation,
  CasResult,
  DeleteResult,
  GetResult,
  MemberStatus,
  MembershipChangeResult,
  MembersResult,
  PutResult,
  RangeRequest,
  RangeResult,
  TxnRequest,
  TxnResult,
} from './results.js';

export interface CallOptions {
  /** Overrides the client's timeoutMs for this call. */
  readonly timeoutMs?: number;
}

export interface ReadOptions extends CallOptions {
  readonly consistency?: ReadConsistency;
  /**
   * Read-your-writes on any member: the member first waits, bounded by its request timeout, until
   * it has applied this KV revision (e.g. a write's `revision`); past that the call fails
   * 'revision-not-reached'.
   */
  readonly minRevision?: number;
}

export interface WriteOptions extends CallOptions {
  /** Return the pair the write replaced or deleted (etcd prev_kv). */
  readonly returnPrevious?: boolean;
}

export class KvClient {
  private readonly options: ResolvedOptions;
  private readonly pool: EndpointPool;
  private readonly runner: RequestRunner;
  private readonly sessions = new WriteSessions();

  constructor(options: KvClientOptions) {
    this.options = resolveOptions(options);
    this.pool = new EndpointPool(this.options.endpoints, options.security);
    this.runner = new RequestRunner(this.pool, this.options);
  }

  async get(key: Bytes, options: ReadOptions = {}): Promise<GetResult> {
    return getResult(await this.read({ type: 'get', key: toBytes(key) }, options));
  }

  async range(request: RangeRequest, options: ReadOptions = {}): Promise<RangeResult> {
    return rangeResult(await this.read(rangeOperation(request), options));
  }

  async put(key: Bytes, value: Bytes, options: WriteOptions = {}): Promise<PutResult> {
    const operation: KvOperation = { type: 'put', key: toBytes(key), value: toBytes(value) };
    return putResult(await this.write(withPrevious(operation, options), options));
  }

  async delete(key: Bytes, options: WriteOptions = {}): Promise<DeleteResult> {
    const operation: KvOperation = { type: 'delete', key: toBytes(key) };
    return deleteResult(await this.write(withPrevious(operation, options), options));
  }

  /** Puts `value` only if the key currently matches `expected` (a value, version or modRevision). */
  async cas(
    key: Bytes,
    expected: CasExpectation,
    value: Bytes,
    options: CallOptions = {},
  ): Promise<CasResult> {
    return casResult(await this.write(compareAndSwapOperation(key, expected, value), options));
  }

  async txn(request: TxnRequest, options: CallOptions = {}): Promise<TxnResult> {
    return txnResult(await this.write(transactionOperation(request), options));
  }

  /** One node's view: `endpoint` if given, else whichever node the client would ask next. */
  async status(options: CallOptions & { readonly endpoint?: string } = {}): Promise<NodeStatus> {
    return (await this.statusAndAlarms(options)).status;
  }

  /**
   * One node's view, the alarms it has raised itself, and the cluster's alarms as it has applied
   * them (none from nodes older than each).
   */
  async statusAndAlarms(options: CallOptions & { readonly endpoint?: string } = {}): Promise<{
    readonly status: NodeStatus;
    readonly alarms: readonly NodeAlarm[];
    readonly clusterAlarms: readonly MemberAlarm[];
  }> {
    const route: Route = options.endpoint === undefined ? 'any' : { address: options.endpoint };
    const result = expectKind(await this.request({ kind: 'status' }, route, 'read', options), 'status');
    return { status: result.status, alarms: result.alarms ?? [], clusterAlarms: result.clusterAlarms ?? [] };
  }

  /**
   * Records `member`'s no-space alarm in the cluster (etcd's alarm activate): until it is deactivated
   * every member refuses writes that add data. Returns the cluster's alarms once it has applied.
   */
  alarmActivate(
    member: string,
    reason: NoSpaceReason,
    since: string,
    options: CallOptions = {},
  ): Promise<readonly MemberAlarm[]> {
    return this.alarmCommand(
      { type: 'alarm', action: 'activate', alarm: 'no-space', member, reason, since },
      options,
    );
  }

  /** Clears `member`'s no-space alarm, or every member's with null (etcdctl alarm disarm). */
  alarmDeactivate(member: string | null, options: CallOptions = {}): Promise<readonly MemberAlarm[]> {
    return this.alarmCommand({ type: 'alarm', action: 'deactivate', alarm: 'no-space', member }, options);
  }

  /** Every member of the current configuration, each with its own node's status (asked in parallel). */
  async clusterStatus(options: CallOptions = {}): Promise<readonly MemberStatus[]> {
    const { members } = await this.members(options);
    return Promise.all(
      members.map(async (member): Promise<MemberStatus> => {
        if (member.clientAddress === null) return { ...member, ok: false, error: 'no client address known' };
        try {
          return {
            ...member,
            ok: true,
            ...(await this.statusAndAlarms({ ...options, endpoint: member.clientAddress })),
          };
        } catch (error) {
          if (!(error instanceof KvClientError)) throw error;
          return { ...member, ok: false, error: `${error.code}: ${error.message}` };
        }
      }),
    );
  }

  async members(options: CallOptions = {}): Promise<MembersResult> {
    return membersResult(
      expectKind(await this.request({ kind: 'members' }, 'leader', 'read', options), 'members'),
    );
  }

  /** Adds a non-voting member (thesis §4.2); `address` is stored as given, e.g. raftkvd's JSON form. */
  addLearner(id: string, address: string, options: CallOptions = {}): Promise<MembershipChangeResult> {
    return this.changeMembership({ type: 'addLearner', id: nodeId(id), address }, options);
  }

  promoteLearner(id: string, options: CallOptions = {}): Promise<MembershipChangeResult> {
    return this.changeMembership({ type: 'promoteLearner', id: nodeId(id) }, options);
  }

  removeMember(id: string, options: CallOptions = {}): Promise<MembershipChangeResult> {
    return this.changeMembership({ type: 'removeMember', id: nodeId(id) }, options);
  }

  /** Asks the leader to hand leadership to `to` (TimeoutNow, thesis §3.10). */
  async transferLeadership(to: string, options: CallOptions = {}): Promise<void> {
    const body: ClientRequestBody = { kind: 'transferLeadership', to: nodeId(to) };
    expectKind(await this.request(body, 'leader', 'write', options), 'transferLeadership');
  }

  /** Closes every socket; requests still waiting fail with code 'closed'. */
  close(): void {
    this.pool.close();
  }

  private async changeMembership(
    change: MembershipChange,
    options: CallOptions,
  ): Promise<MembershipChangeResult> {
    const result = await this.request({ kind: 'changeMembership', change }, 'leader', 'write', options);
    return { index: expectKind(result, 'changeMembership').index };
  }

  /** Alarm commands are idempotent, so they go without a session: a duplicate changes nothing. */
  private async alarmCommand(
    operation: AlarmOperation,
    options: CallOptions,
  ): Promise<readonly MemberAlarm[]> {
    const result = await this.request(
      { kind: 'command', command: { operation } },
      'leader',
      'write',
      options,
    );
    const applied = okKvResult(expectKind(result, 'command').result).result;
    if (applied.type !== 'alarm')
      throw new KvClientError('unexpected-response', `expected an alarm result, got ${applied.type}`);
    return applied.alarms;
  }

  /**
   * Any member serves reads of either consistency: a follower asks the leader for a linearizable
   * read's index itself (thesis §6.4.1), so reads need no leader discovery and spread over members.
   */
  private async read(query: KvQuery, options: ReadOptions): Promise<OkKvResult> {
    const consistency = options.consistency ?? this.options.consistency;
    const { minRevision } = options;
    if (minRevision !== undefined && !(Number.isSafeInteger(minRevision) && minRevision >= 0)) {
      throw new KvClientError(
        'invalid-argument',
        `minRevision must be a non-negative integer, got ${minRevision}`,
      );
    }
    const body = {
      kind: 'read',
      query,
      consistency,
      ...(minRevision === undefined ? {} : { minRevision }),
    } as const;
    const result = await this.request(body, 'any', 'read', options);
    return okKvResult(expectKind(result, 'read').result);
  }

  /** A KV write under the session; a write the cluster refused for a lost session is re-sent on a new one. */
  private async write(operation: KvOperation, options: CallOptions): Promise<OkKvResult> {
    const deadline = this.deadline(options);
    for (;;) {
      const ticket = await this.sessions.begin(deadline);
      const outcome = await this.runner.run({
        body: () => ({ kind: 'command', command: { operation, session: this.sessions.stamp(ticket) } }),
        route: 'leader',
        effect: 'write',
        deadline,
      });
      const settled = this.settleWrite(ticket, outcome);
      if (settled !== 'resend') return settled;
    }
  }

  private settleWrite(ticket: WriteTicket, outcome: RunOutcome): OkKvResult | 'resend' {
    if (!outcome.ok) {
      this.sessions.end(ticket, outcome.error.code === 'outcome-unknown' ? 'unknown' : 'not-applied');
      throw outcome.error;
    }
    if (outcome.result.kind !== 'command') {
      this.sessions.end(ticket, 'unknown');
      throw new KvClientError('unexpected-response', `expected a command result, got ${outcome.result.kind}`);
    }
    const result = outcome.result.result;
    if (result.ok) {
      this.sessions.end(ticket, 'applied');
      return result;
    }
    if (result.error.code !== 'session-expired') {
      this.sessions.end(ticket, 'not-applied');
      return okKvResult(result);
    }
    this.sessions.end(ticket, 'session-expired');
    // This attempt was refused before it ran; only an earlier attempt could have applied it (§6.3).
    if (!outcome.earlierMaybeApplied) return 'resend';
    throw new KvClientError(
      'outcome-unknown',
      'the cluster expired the client session while the write was retried: it may or may not have been applied',
    );
  }

  private async request(
    body: ClientRequestBody,
    route: Route,
    effect: 'write' | 'read',
    options: CallOptions,
  ): Promise<ClientResult> {
    const outcome = await this.runner.run({
      body: () => body,
      route,
      effect,
      deadline: this.deadline(options),
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  private deadline(options: CallOptions): number {
    return Date.now() + positiveInteger('timeoutMs', options.timeoutMs ?? this.options.timeoutMs);
  }
}

function withPrevious(
  operation: KvOperation & { type: 'put' | 'delete' },
  options: WriteOptions,
): KvOperation {
  return options.returnPrevious === true ? { ...operation, returnPrevious: true } : operation;
}
