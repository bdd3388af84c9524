// A new node asking an existing cluster to add it as a learner (thesis §4.2.1), through any member:
// an http:// address gets POST /join (members forward it to the leader); a tcp:// client address gets
// a changeMembership request that follows not-leader redirects. Returns the members it was told of,
// so the node can reach the leader before its own log holds any configuration, and whether its id
// was a member already (a voter is refused: it must be removed first). Never throws.
import type { Configuration, NodeId } from '@raftkv/raft';
import { nodeId } from '@raftkv/raft';
import { ClientSocket, isCurveKey } from '@raftkv/transport-zmq';
import { parseTcpAddress } from './addresses.js';
import { encodeMemberAddress, type MemberAddress, parseMemberAddress } from './member-address.js';

/**
 * Why the cluster refuses to take `id` back as a learner while it is still a voter: a node asking to
 * join starts from an empty log, and a voter that lost its log and its vote must not count in any
 * majority under the old id (thesis §3.8, §4.1). It is removed first, then joins as a new learner.
 */
export function rejoinRefusal(id: string, address: string): string {
  return (
    `${id} is already a member of the cluster as a voter (${address}); a member whose data was lost ` +
    `must be removed before it joins again: raftkv members remove ${id} (apps/node/README.md ` +
    `"Rebuilding a member")`
  );
}

/**
 * A node that started empty found its id already in the cluster, put there by no attempt of its
 * own: an earlier life of the id, whose vote or log it does not have. It must not run as that member.
 */
export class StaleMemberError extends Error {
  override readonly name = 'StaleMemberError';
}

/** Why a node with a new data directory will not run as the learner its id already is. */
export function staleLearnerRefusal(id: string): string {
  return (
    `${id} is already a learner in the cluster, yet this data directory is new: that learner is an ` +
    `earlier ${id} whose data was lost, and the leader still counts the entries it held. Remove it ` +
    `first: raftkv members remove ${id} (apps/node/README.md "Rebuilding a member")`
  );
}

/** The `code` of POST /join's 409 answer for an id that is still a voter. */
export const alreadyVoterCode = 'already-a-voter';

/** not-leader redirects followed on the client protocol before giving up this attempt. */
export const joinRedirectsMax = 5;

export type JoinAttempt =
  | {
      readonly ok: true;
      readonly members: ReadonlyMap<NodeId, MemberAddress>;
      /** The id was a learner at this address already: nothing was added by this attempt. */
      readonly alreadyMember: boolean;
    }
  | {
      readonly ok: false;
      readonly message: string;
      /** The cluster lists this id as a voter already (see rejoinRefusal). */
      readonly alreadyVoter?: boolean;
      /** No answer came (a timeout, a lost connection): the cluster may have added the node. */
      readonly outcomeUnknown?: boolean;
    };

export interface JoinRequest {
  readonly id: NodeId;
  readonly address: MemberAddress;
  /** The cluster's join credential (--join-token-file), sent as a bearer token; null: none. */
  readonly credential: string | null;
  readonly via: string;
  readonly timeoutMs: number;
}

export function requestJoin(request: JoinRequest): Promise<JoinAttempt> {
  return parseTcpAddress(request.via) === null ? joinOverHttp(request) : joinOverClientProtocol(request);
}

async function joinOverHttp(request: JoinRequest): Promise<JoinAttempt> {
  const base = request.via.startsWith('http://') ? request.via : `http://${request.via}`;
  const body = JSON.stringify({
    id: request.id,
    addr: request.address.peer,
    clientAddr: request.address.client ?? undefined,
    httpAddr: request.address.http ?? undefined,
    key: request.address.key ?? undefined,
  });
  try {
    const response = await fetch(`${base.replace(/\/$/, '')}/join`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(request.credential === null ? {} : { authorization: `Bearer ${request.credential}` }),
      },
      body,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const answer = (await response.json()) as {
      error?: string;
      code?: unknown;
      members?: unknown;
      alreadyMember?: unknown;
    };
    if (!response.ok) {
      const message = `${base} answered ${response.status}: ${answer.error ?? ''}`;
      return {
        ok: false,
        message,
        alreadyVoter: answer.code === alreadyVoterCode,
        outcomeUnknown: response.status === 504,
      };
    }
    return {
      ok: true,
      members: membersFromHttp(answer.members),
      alreadyMember: answer.alreadyMember === true,
    };
  } catch (error) {
    return {
      ok: false,
      message: `cannot reach ${base}: ${(error as Error).message}`,
      outcomeUnknown: true,
    };
  }
}

async function joinOverClientProtocol(request: JoinRequest): Promise<JoinAttempt> {
  let address = request.via;
  for (let hop = 0; hop <= joinRedirectsMax; hop += 1) {
    const socket = new ClientSocket(address);
    try {
      const change = {
        type: 'addLearner',
        id: request.id,
        address: encodeMemberAddress(request.address),
      } as const;
      const exchange = await socket.request(
        { kind: 'changeMembership', change },
        { timeoutMs: request.timeoutMs },
      );
      if (!exchange.ok)
        return { ok: false, message: `${address}: ${exchange.error.message}`, outcomeUnknown: true };
      const { response } = exchange;
      if (
        !response.ok &&
        response.error.code === 'not-leader' &&
        response.error.leaderClientAddress !== null
      ) {
        address = response.error.leaderClientAddress;
        continue;
      }
      // An id already in the configuration is refused as invalid: the members list tells whether it is us.
      const acceptable =
        response.ok ||
        (response.error.code === 'rejected' && response.error.reason === 'invalid-membership-change');
      if (!acceptable) {
        const unknown = !response.ok && ['timeout', 'outcome-unknown'].includes(response.error.code);
        return {
          ok: false,
          message: `${address}: ${response.ok ? '' : response.error.message}`,
          outcomeUnknown: unknown,
        };
      }
      const members = await socket.request({ kind: 'members' }, { timeoutMs: request.timeoutMs });
      if (!members.ok || !members.response.ok || members.response.result.kind !== 'members') {
        return { ok: false, message: `${address}: could not list the members after joining` };
      }
      const { configuration } = members.response.result;
      const asVoter = configuration.members.find(
        (member) => member.id === request.id && member.role === 'voter',
      );
      if (!response.ok && asVoter !== undefined)
        return {
          ok: false,
          message: `${address}: ${rejoinRefusal(request.id, asVoter.address)}`,
          alreadyVoter: true,
        };
      const alreadyMember = !response.ok && configuration.members.some((member) => member.id === request.id);
      return { ok: true, members: membersFromConfiguration(configuration), alreadyMember };
    } finally {
      socket.close();
    }
  }
  return { ok: false, message: `gave up after ${joinRedirectsMax} not-leader redirects` };
}

function membersFromConfiguration(configuration: Configuration): ReadonlyMap<NodeId, MemberAddress> {
  const members = new Map<NodeId, MemberAddress>();
  for (const member of configuration.members) {
    const address = parseMemberAddress(member.address);
    if (address !== null) members.set(member.id, address);
  }
  return members;
}

function membersFromHttp(value: unknown): ReadonlyMap<NodeId, MemberAddress> {
  const members = new Map<NodeId, MemberAddress>();
  if (!Array.isArray(value)) return members;
  for (const item of value as Array<Record<string, unknown>>) {
    if (typeof item.id !== 'string' || typeof item.peer !== 'string' || parseTcpAddress(item.peer) === null)
      continue;
    const client = typeof item.client === 'string' ? item.client : null;
    const http = typeof item.http === 'string' ? item.http : null;
    const key = typeof item.key === 'string' && isCurveKey(item.key) ? item.key : null;
    members.set(nodeId(item.id), { peer: item.peer, client, http, key });
  }
  return members;
}
