// Public API of @raftkv/client: KvClient, its options, typed results and the one error class.
export type { MemberAlarm, NoSpaceReason } from '@raftkv/kv';
export type { NodeAlarm } from '@raftkv/protocol';

// Key tooling, so applications need not depend on the transport for it.
export { type CurveKeyPair, generateCurveKeyPair, isCurveKey } from '@raftkv/transport-zmq';
export { KvClientError, type KvClientErrorCode } from './client-error.js';
export { type CallOptions, KvClient, type ReadOptions, type WriteOptions } from './kv-client.js';
export {
  attemptTimeoutMsDefault,
  backoffBaseMs,
  backoffMaxMs,
  type ClientSecurity,
  type KvClientOptions,
  maxRedirectsDefault,
  type RedirectEvent,
  rangeLimitDefault,
  timeoutMsDefault,
} from './options.js';
export type {
  Bytes,
  CasExpectation,
  CasResult,
  DeleteResult,
  GetResult,
  MemberInfo,
  MemberStatus,
  MembershipChangeResult,
  MembersResult,
  PutResult,
  RangeRequest,
  RangeResult,
  TxnCompare,
  TxnRequest,
  TxnResult,
  TxnStep,
} from './results.js';
