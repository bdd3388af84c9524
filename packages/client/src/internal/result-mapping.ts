// Turns the node's answers (ClientResult, KvResult) into KvClient's typed results, and a KV error
// or an answer of the wrong kind into a KvClientError. Pure.
import type { KvResult, OperationResult } from '@raftkv/kv';
import type { ClientResult } from '@raftkv/protocol';
import { KvClientError } from '../client-error.js';
import type {
  CasResult,
  DeleteResult,
  GetResult,
  MemberInfo,
  MembersResult,
  PutResult,
  RangeResult,
  TxnResult,
} from '../results.js';
import { clientAddressOf } from './member-address.js';

export type OkKvResult = KvResult & { readonly ok: true };

export function expectKind<K extends ClientResult['kind']>(
  result: ClientResult,
  kind: K,
): Extract<ClientResult, { kind: K }> {
  if (result.kind !== kind) {
    throw new KvClientError('unexpected-response', `expected a ${kind} result, got ${result.kind}`);
  }
  return result as Extract<ClientResult, { kind: K }>;
}

/** The KV result, or its typed error thrown as a KvClientError. */
export function okKvResult(result: KvResult): OkKvResult {
  if (!result.ok) throw new KvClientError(result.error.code, result.error.message);
  return result;
}

export function getResult(kv: OkKvResult): GetResult {
  const result = expectOperation(kv.result, 'get');
  return result.keyValue === null
    ? { found: false, revision: kv.revision }
    : { found: true, revision: kv.revision, keyValue: result.keyValue };
}

export function putResult(kv: OkKvResult): PutResult {
  return { revision: kv.revision, previous: expectOperation(kv.result, 'put').previous };
}

export function deleteResult(kv: OkKvResult): DeleteResult {
  const result = expectOperation(kv.result, 'delete');
  return { revision: kv.revision, deleted: result.deleted, previous: result.previous };
}

export function rangeResult(kv: OkKvResult): RangeResult {
  const result = expectOperation(kv.result, 'range');
  return { revision: kv.revision, keyValues: result.keyValues, more: result.more };
}

export function casResult(kv: OkKvResult): CasResult {
  const result = expectOperation(kv.result, 'compareAndSwap');
  return result.succeeded
    ? { succeeded: true, revision: kv.revision }
    : { succeeded: false, revision: kv.revision, current: result.current };
}

export function txnResult(kv: OkKvResult): TxnResult {
  const result = expectOperation(kv.result, 'transaction');
  return { revision: kv.revision, succeeded: result.succeeded, results: result.results };
}

export function membersResult(result: Extract<ClientResult, { kind: 'members' }>): MembersResult {
  const members: MemberInfo[] = result.configuration.members.map((member) => ({
    id: member.id,
    role: member.role,
    address: member.address,
    clientAddress: clientAddressOf(member.address),
  }));
  return { members, leaderId: result.leaderId };
}

function expectOperation<T extends OperationResult['type']>(
  result: OperationResult,
  type: T,
): Extract<OperationResult, { type: T }> {
  if (result.type !== type) {
    throw new KvClientError('unexpected-response', `expected a ${type} result, got ${result.type}`);
  }
  return result as Extract<OperationResult, { type: T }>;
}
