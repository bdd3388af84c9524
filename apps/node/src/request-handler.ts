// Turns one client request (from the ZeroMQ client endpoint or the HTTP API) into actor events and
// its outcome into a typed response. Every request is answered exactly once, within the request
// timeout: a write that times out is 'outcome-unknown' and a read 'timeout' — never a false failure.
// Linearizable reads are served by whichever member received them (thesis §6.4, §6.4.1); a read with
// a minRevision first waits for this member to apply that KV revision (read-your-writes anywhere).
import {
  encodeCommand,
  type KvApplyResult,
  type KvQuery,
  type KvResult,
  type MemberAlarm,
  operationAddsData,
} from '@raftkv/kv';
import type { ClientError, ClientRequestBody, ClientResponseBody, RejectionReason } from '@raftkv/protocol';
import {
  type ActorEvent,
  assert,
  type NodeId,
  type NodeStatus,
  type ProposalResult,
  type ReadResult,
  type TransferOutcome,
} from '@raftkv/raft';
import { parseMemberAddress } from './member-address.js';
import type { NoSpaceAlarm } from './no-space-alarm.js';

/** What the handler needs from the running node. */
export interface NodeGateway {
  /** Enqueues an event for the actor and schedules a turn; false when the mailbox refused it. */
  deliver(event: ActorEvent<KvQuery, KvApplyResult>): boolean;
  status(): NodeStatus;
  /** A serializable read: the receiving node's applied state, possibly stale (thesis §6.4 contrast). */
  queryLocal(query: KvQuery): { readonly index: number; readonly result: KvResult };
  /** The KV revision of the applied state (etcd's header revision). */
  revision(): number;
  isShuttingDown(): boolean;
  /** The no-space alarm while raised: the actor has stopped, so writes are refused here. */
  noSpace(): NoSpaceAlarm | null;
  /** The cluster's active alarms as this node has applied them. */
  clusterAlarms(): readonly MemberAlarm[];
}

/** Receives the one response to a request. */
export type Reply = (response: ClientResponseBody) => void;

interface RevisionWaiter {
  readonly revision: number;
  readonly wake: () => void;
}

export class RequestHandler {
  private inFlight = 0;
  /** Reads waiting for this member to apply their minRevision, woken by onApplied(). */
  private revisionWaiters: RevisionWaiter[] = [];
  /** settled() callers, woken when nothing is in flight. */
  private settledWaiters: Array<() => void> = [];

  constructor(
    private readonly node: NodeGateway,
    private readonly requestTimeoutMs: number,
  ) {}

  /** Requests not yet answered. */
  get inFlightCount(): number {
    return this.inFlight;
  }

  /** Resolves once nothing is in flight (new requests are refused while shutting down). */
  settled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  handle(body: ClientRequestBody): Promise<ClientResponseBody> {
    return new Promise((resolve) => this.handleWithReply(body, resolve));
  }

  /**
   * Answers `body` through `reply`, exactly once. A proposal's or a read's answer is given
   * synchronously inside the actor turn that settles it, so an owner can send it before the turn's
   * disk commit (the outcome is already decided by the Raft log).
   */
  handleWithReply(body: ClientRequestBody, reply: Reply): void {
    if (this.node.isShuttingDown()) {
      reply(failure({ code: 'shutting-down', message: shuttingDown }));
      return;
    }
    this.inFlight += 1;
    let answered = false;
    this.dispatch(body, (response) => {
      assert(!answered, 'RequestHandler: a request was answered twice');
      answered = true;
      this.inFlight -= 1;
      if (this.inFlight === 0) this.wakeSettledWaiters();
      reply(response);
    });
  }

  /** The node ran actor turns: wake the reads whose minRevision is now applied. */
  onApplied(): void {
    if (this.revisionWaiters.length === 0) return;
    const revision = this.node.revision();
    const waiters = this.revisionWaiters;
    this.revisionWaiters = [];
    for (const waiter of waiters) {
      if (waiter.revision <= revision) waiter.wake();
      else this.revisionWaiters.push(waiter);
    }
  }

  /** The not-leader error, naming the leader and its client address when this node knows them. */
  notLeader(leaderHint: NodeId | null): ClientError {
    const status = this.node.status();
    const leaderId = leaderHint ?? status.leaderId;
    const member = status.configuration.members.find((candidate) => candidate.id === leaderId);
    const leaderClientAddress =
      member === undefined ? null : (parseMemberAddress(member.address)?.client ?? null);
    const message =
      leaderId === null ? 'this node is not the leader and knows no leader yet' : `the leader is ${leaderId}`;
    return {
      code: 'not-leader',
      leaderId: leaderId === status.id ? null : leaderId,
      leaderClientAddress,
      message,
    };
  }

  private dispatch(body: ClientRequestBody, done: Reply): void {
    const alarm = this.node.noSpace();
    if (alarm !== null && body.kind !== 'status' && body.kind !== 'members') {
      this.answerUnderAlarm(body, alarm, done);
      return;
    }
    switch (body.kind) {
      case 'command': {
        // Fast and clear while a cluster alarm is applied here; the apply refuses such writes on
        // every member anyway, and it stays the truth (an alarm committed after this check).
        const alarms = this.node.clusterAlarms();
        if (alarms.length > 0 && operationAddsData(body.command.operation)) {
          done(failure(clusterNoSpaceError(alarms)));
          return;
        }
        this.propose(encodeCommand(body.command), done);
        return;
      }
      case 'read':
        this.afterRevision(body.minRevision ?? 0, done, (timeoutMs) => {
          if (body.consistency === 'serializable') {
            const { index, result } = this.node.queryLocal(body.query);
            done({ ok: true, result: { kind: 'read', index, result } });
            return;
          }
          this.read(body.query, timeoutMs, done);
        });
        return;
      case 'status':
        done({
          ok: true,
          result: {
            kind: 'status',
            status: this.node.status(),
            alarms: this.alarms(),
            clusterAlarms: [...this.node.clusterAlarms()],
          },
        });
        return;
      case 'members': {
        const { configuration, leaderId } = this.node.status();
        done({ ok: true, result: { kind: 'members', configuration, leaderId } });
        return;
      }
      case 'changeMembership':
        this.await<ProposalResult<KvApplyResult>>(
          'outcome-unknown',
          (onResult) => ({ type: 'changeMembership', change: body.change, onResult }),
          (result) =>
            result.ok
              ? { ok: true, result: { kind: 'changeMembership', index: result.index } }
              : this.refusal(result),
          done,
        );
        return;
      case 'transferLeadership':
        this.await<TransferOutcome>(
          'timeout',
          (onResult) => ({ type: 'transferLeadership', to: body.to, onResult }),
          (outcome) => this.transferResponse(outcome),
          done,
        );
        return;
    }
  }

  private propose(data: Uint8Array, done: Reply): void {
    this.await<ProposalResult<KvApplyResult>>(
      'outcome-unknown',
      (onResult) => ({ type: 'propose', data, onResult }),
      (result) => {
        if (!result.ok) return this.refusal(result);
        assert(result.result !== undefined, () => `command at index ${result.index} yielded no KV result`);
        return { ok: true, result: { kind: 'command', index: result.index, result: result.result } };
      },
      done,
    );
  }

  /**
   * A member in the no-space alarm has stopped its actor: writes, membership changes and transfers
   * are refused 'no-space' (never proposed). Reads, of either consistency, point at the last leader
   * this member knew (the clients and the HTTP API follow it): a linearizable read needs a leader's
   * ReadIndex (thesis §6.4), and this member's store dropped the applied state it had not committed
   * yet when the storage refused the write (the log re-applies it at the restart), so its own state
   * is older than its applied index says. With no other leader known, reads are refused 'no-space'.
   */
  private answerUnderAlarm(body: ClientRequestBody, alarm: NoSpaceAlarm, done: Reply): void {
    if (body.kind === 'read') {
      const { leaderId, id } = this.node.status();
      if (leaderId !== null && leaderId !== id) {
        done(failure(this.notLeader(leaderId)));
        return;
      }
      done(failure(noSpaceError(alarm, 'reads need a leader: ask another member')));
      return;
    }
    done(failure(noSpaceError(alarm, 'it refuses writes until space is freed')));
  }

  /**
   * Runs `then` with the time left of the request timeout once this member has applied KV revision
   * `revision` (at once when it has); past the request timeout answers 'revision-not-reached'.
   */
  private afterRevision(revision: number, done: Reply, then: (timeoutMs: number) => void): void {
    if (this.node.revision() >= revision) {
      then(this.requestTimeoutMs);
      return;
    }
    const startedAt = performance.now();
    const waiter: RevisionWaiter = {
      revision,
      wake: () => {
        clearTimeout(timer);
        then(Math.max(1, this.requestTimeoutMs - Math.ceil(performance.now() - startedAt)));
      },
    };
    const timer = setTimeout(() => {
      this.revisionWaiters = this.revisionWaiters.filter((other) => other !== waiter);
      const message = `this member applied revision ${this.node.revision()}, not ${revision}, within ${this.requestTimeoutMs} ms`;
      done(failure({ code: 'revision-not-reached', message }));
    }, this.requestTimeoutMs);
    this.revisionWaiters.push(waiter);
  }

  /**
   * Linearizable, on any member: a read index the leader confirmed (thesis §6.4; a follower asks
   * the leader for it, §6.4.1), served once this member has applied it.
   */
  private read(query: KvQuery, timeoutMs: number, done: Reply): void {
    this.await<ReadResult<KvApplyResult>>(
      'timeout',
      (onResult) => ({ type: 'read', query, onResult }),
      (result) => {
        if (!result.ok) return this.refusal(result);
        assert(result.result !== undefined, () => `query at index ${result.index} yielded no KV result`);
        return { ok: true, result: { kind: 'read', index: result.index, result: result.result } };
      },
      done,
      timeoutMs,
    );
  }

  /**
   * Delivers one event and answers from its callback (synchronously), or after the request
   * timeout: then the answer is `onTimeout` ('outcome-unknown' for anything that may still commit,
   * 'timeout' otherwise).
   */
  private await<TResult>(
    onTimeout: 'outcome-unknown' | 'timeout',
    event: (onResult: (result: TResult) => void) => ActorEvent<KvQuery, KvApplyResult>,
    answer: (result: TResult) => ClientResponseBody,
    done: Reply,
    timeoutMs = this.requestTimeoutMs,
  ): void {
    let settled = false;
    const settle = (response: ClientResponseBody): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(response);
    };
    const timer = setTimeout(() => {
      const message =
        onTimeout === 'outcome-unknown'
          ? `no outcome within ${timeoutMs} ms; the write may or may not apply`
          : `no answer within ${timeoutMs} ms`;
      settle(failure({ code: onTimeout, message }));
    }, timeoutMs);
    this.node.deliver(event((result) => settle(answer(result))));
  }

  private alarms(): NoSpaceAlarm[] {
    const alarm = this.node.noSpace();
    return alarm === null ? [] : [alarm];
  }

  private wakeSettledWaiters(): void {
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Maps a proposal's or a read's refusal to the client error it means. */
  private refusal(
    result:
      | Extract<ProposalResult<KvApplyResult>, { ok: false }>
      | Extract<ReadResult<KvApplyResult>, { ok: false }>,
  ): ClientResponseBody {
    switch (result.reason) {
      case 'not-leader':
        return failure(this.notLeader(result.leaderHint));
      case 'outcome-unknown':
        return failure({ code: 'outcome-unknown', message: 'leadership changed before the write committed' });
      case 'mailbox-full':
      case 'too-many-uncommitted-entries':
        return failure({
          code: 'overloaded',
          message: `the node is overloaded (${result.reason}); retry later`,
        });
      case 'stopped': {
        // The actor stopped for the alarm: reads and events still in its mailbox were never
        // proposed (proposals it had taken end 'outcome-unknown' instead).
        const alarm = this.node.noSpace();
        if (alarm !== null) return failure(noSpaceError(alarm, 'the request was not carried out'));
        return failure({ code: 'shutting-down', message: shuttingDown });
      }
      default:
        return rejected(result.reason);
    }
  }

  private transferResponse(outcome: TransferOutcome): ClientResponseBody {
    if (outcome.accepted) return { ok: true, result: { kind: 'transferLeadership' } };
    if (outcome.reason === 'not-leader') return failure(this.notLeader(outcome.leaderHint));
    return rejected(outcome.reason);
  }
}

const shuttingDown = 'the node is shutting down; retry on another member';

function noSpaceError(alarm: NoSpaceAlarm, consequence: string): ClientError {
  return {
    code: 'no-space',
    message: `no-space alarm (${alarm.reason}) since ${alarm.since}: ${consequence}`,
  };
}

function clusterNoSpaceError(alarms: readonly MemberAlarm[]): ClientError {
  const members = alarms.map((alarm) => `${alarm.member} (${alarm.reason} since ${alarm.since})`).join(', ');
  return {
    code: 'no-space',
    message: `the cluster refuses writes that add data while a no-space alarm is active: ${members}`,
  };
}

function failure(error: ClientError): ClientResponseBody {
  return { ok: false, error };
}

function rejected(reason: RejectionReason): ClientResponseBody {
  return failure({ code: 'rejected', reason, message: `the cluster declined the request: ${reason}` });
}
