// What KvClient's calls return: plain typed values, discriminated where an outcome has two shapes.
// Keys and values are bytes (Uint8Array); the client accepts strings as UTF-8 for convenience.
import type { CompareOperator, KeyValue, MemberAlarm, RevisionTarget, StepResult } from '@raftkv/kv';
import type { NodeAlarm } from '@raftkv/protocol';
import type { LogIndex, MemberRole, NodeId, NodeStatus } from '@raftkv/raft';

/** A key or value: bytes, or a string taken as UTF-8. */
export type Bytes = string | Uint8Array;

export type GetResult =
  | { readonly found: true; readonly revision: number; readonly keyValue: KeyValue }
  | { readonly found: false; readonly revision: number };

export interface PutResult {
  readonly revision: number;
  /** The pair the put replaced, when asked for with returnPrevious. */
  readonly previous: KeyValue | null;
}

export interface DeleteResult {
  readonly revision: number;
  readonly deleted: boolean;
  readonly previous: KeyValue | null;
}

/** What a compare-and-swap expects the key to hold now; version 0 means "must not exist". */
export type CasExpectation =
  | { readonly value: Bytes }
  | { readonly version: number }
  | { readonly modRevision: number };

export type CasResult =
  | { readonly succeeded: true; readonly revision: number }
  /** `current` is the pair that failed the expectation (null when the key is missing). */
  | { readonly succeeded: false; readonly revision: number; readonly current: KeyValue | null };

/** A range: every key with `prefix`, or start ≤ key < end (end null or absent: no upper bound). */
export type RangeRequest =
  | { readonly prefix: Bytes; readonly limit?: number }
  | { readonly start: Bytes; readonly end?: Bytes | null; readonly limit?: number };

export interface RangeResult {
  readonly revision: number;
  readonly keyValues: readonly KeyValue[];
  /** More pairs matched than `limit`. */
  readonly more: boolean;
}

export type TxnCompare =
  | {
      readonly key: Bytes;
      readonly target: 'value';
      readonly operator: CompareOperator;
      readonly value: Bytes;
    }
  | {
      readonly key: Bytes;
      readonly target: RevisionTarget;
      readonly operator: CompareOperator;
      readonly value: number;
    };

export type TxnStep =
  | { readonly type: 'put'; readonly key: Bytes; readonly value: Bytes }
  | { readonly type: 'get'; readonly key: Bytes }
  | { readonly type: 'delete'; readonly key: Bytes }
  | ({ readonly type: 'range' } & RangeRequest);

/** etcd's txn: if every compare holds, run `success` in order, else `failure`; one revision in all. */
export interface TxnRequest {
  readonly compares: readonly TxnCompare[];
  readonly success: readonly TxnStep[];
  readonly failure: readonly TxnStep[];
}

export interface TxnResult {
  readonly revision: number;
  readonly succeeded: boolean;
  /** One result per step of the branch that ran. */
  readonly results: readonly StepResult[];
}

export interface MemberInfo {
  readonly id: NodeId;
  readonly role: MemberRole;
  /** The member's address as stored in the configuration (opaque to Raft). */
  readonly address: string;
  /** Where the member serves clients, when its address says so. */
  readonly clientAddress: string | null;
}

export interface MembersResult {
  readonly members: readonly MemberInfo[];
  readonly leaderId: NodeId | null;
}

export interface MembershipChangeResult {
  /** The log index at which the configuration entry committed. */
  readonly index: LogIndex;
}

/** One row of clusterStatus(): a member and what its node said (or why it could not say). */
export type MemberStatus =
  | (MemberInfo & {
      readonly ok: true;
      readonly status: NodeStatus;
      readonly alarms: readonly NodeAlarm[];
      readonly clusterAlarms: readonly MemberAlarm[];
    })
  | (MemberInfo & { readonly ok: false; readonly error: string });
