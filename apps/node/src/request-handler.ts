// Turns one client request (from the ZeroMQ client endpoint or the HTTP API) into actor events and
// its outcome into a typed response. Every request is answered exactly once, within the request
// timeout: a write that times out is 'outcome-unknown' and a read 'timeout' — never a false failure.
import { encodeCommand, type KvApplyResult, type KvQuery, type KvResult } from '@raftkv/kv';
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

/** What the handler needs from the running node. */
export interface NodeGateway {
  /** Enqueues an event for the actor and schedules a turn; false when the mailbox refused it. */
  deliver(event: ActorEvent<KvQuery, KvApplyResult>): boolean;
  status(): NodeStatus;
  /** A serializable read: the receiving node's applied state, possibly stale (thesis §6.4 contrast). */
  queryLocal(query: KvQuery): { readonly index: number; readonly result: KvResult };
  isShuttingDown(): boolean;
}

export class RequestHandler {
  private readonly inFlight = new Set<Promise<ClientResponseBody>>();

  constructor(
    private readonly node: NodeGateway,
    private readonly requestTimeoutMs: number,
  ) {}

  /** Requests not yet answered. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Resolves once every request in flight now has been answered. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  handle(body: ClientRequestBody): Promise<ClientResponseBody> {
    if (this.node.isShuttingDown())
      return Promise.resolve(failure({ code: 'shutting-down', message: shuttingDown }));
    const answer = this.dispatch(body);
    this.inFlight.add(answer);
    void answer.finally(() => this.inFlight.delete(answer));
    return answer;
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

  private dispatch(body: ClientRequestBody): Promise<ClientResponseBody> {
    switch (body.kind) {
      case 'command':
        return this.propose(encodeCommand(body.command));
      case 'read':
        if (body.consistency === 'serializable') {
          const { index, result } = this.node.queryLocal(body.query);
          return Promise.resolve({ ok: true, result: { kind: 'read', index, result } });
        }
        return this.read(body.query);
      case 'status':
        return Promise.resolve({ ok: true, result: { kind: 'status', status: this.node.status() } });
      case 'members': {
        const { configuration, leaderId } = this.node.status();
        return Promise.resolve({ ok: true, result: { kind: 'members', configuration, leaderId } });
      }
      case 'changeMembership':
        return this.await<ProposalResult<KvApplyResult>>(
          'outcome-unknown',
          (onResult) => ({ type: 'changeMembership', change: body.change, onResult }),
          (result) =>
            result.ok
              ? { ok: true, result: { kind: 'changeMembership', index: result.index } }
              : this.refusal(result),
        );
      case 'transferLeadership':
        return this.await<TransferOutcome>(
          'timeout',
          (onResult) => ({ type: 'transferLeadership', to: body.to, onResult }),
          (outcome) => this.transferResponse(outcome),
        );
    }
  }

  private propose(data: Uint8Array): Promise<ClientResponseBody> {
    return this.await<ProposalResult<KvApplyResult>>(
      'outcome-unknown',
      (onResult) => ({ type: 'propose', data, onResult }),
      (result) => {
        if (!result.ok) return this.refusal(result);
        assert(result.result !== undefined, () => `command at index ${result.index} yielded no KV result`);
        return { ok: true, result: { kind: 'command', index: result.index, result: result.result } };
      },
    );
  }

  /** Linearizable: ReadIndex on the leader, served once applied (thesis §6.4). */
  private read(query: KvQuery): Promise<ClientResponseBody> {
    return this.await<ReadResult<KvApplyResult>>(
      'timeout',
      (onResult) => ({ type: 'read', query, onResult }),
      (result) => {
        if (!result.ok) return this.refusal(result);
        assert(result.result !== undefined, () => `query at index ${result.index} yielded no KV result`);
        return { ok: true, result: { kind: 'read', index: result.index, result: result.result } };
      },
    );
  }

  /**
   * Delivers one event and waits for its callback, or for the request timeout: then the answer is
   * `onTimeout` ('outcome-unknown' for anything that may still commit, 'timeout' otherwise).
   */
  private await<TResult>(
    onTimeout: 'outcome-unknown' | 'timeout',
    event: (onResult: (result: TResult) => void) => ActorEvent<KvQuery, KvApplyResult>,
    answer: (result: TResult) => ClientResponseBody,
  ): Promise<ClientResponseBody> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (response: ClientResponseBody): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(response);
      };
      const timer = setTimeout(() => {
        const message =
          onTimeout === 'outcome-unknown'
            ? `no outcome within ${this.requestTimeoutMs} ms; the write may or may not apply`
            : `no answer within ${this.requestTimeoutMs} ms`;
        settle(failure({ code: onTimeout, message }));
      }, this.requestTimeoutMs);
      this.node.deliver(event((result) => settle(answer(result))));
    });
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
      case 'stopped':
        return failure({ code: 'shutting-down', message: shuttingDown });
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

function failure(error: ClientError): ClientResponseBody {
  return { ok: false, error };
}

function rejected(reason: RejectionReason): ClientResponseBody {
  return failure({ code: 'rejected', reason, message: `the cluster declined the request: ${reason}` });
}
