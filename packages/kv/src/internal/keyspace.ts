// How the state machine lays its state out in the store's single ordered keyspace: one reserved
// first byte per kind of record, so user keys can never collide with sessions or metadata.
// Layout only; must not read or write the store.
import { concatBytes, prefixEnd, readUint64, writeUint64 } from './bytes.js';

const metadataPrefix = 0x6d; // 'm': store-wide counters
const sessionPrefix = 0x73; // 's' + clientId → session record
const sessionActivityPrefix = 0x61; // 'a' + lastUsedIndex (8 bytes) + clientId → empty: sessions by last use
const sessionResultPrefix = 0x72; // 'r' + clientId length (1 byte) + clientId + sequence (8 bytes) → result
const userPrefix = 0x75; // 'u' + user key → key record
const alarmPrefix = 0x6c; // 'l' + alarm kind + 0x00 + member id → alarm record (both UTF-8)

const textEncoder = new TextEncoder();

export const revisionKey = concatBytes(Uint8Array.of(metadataPrefix), textEncoder.encode('revision'));
export const sessionCountKey = concatBytes(Uint8Array.of(metadataPrefix), textEncoder.encode('sessionCount'));

export function alarmKey(kind: string, member: string): Uint8Array {
  return concatBytes(
    Uint8Array.of(alarmPrefix),
    textEncoder.encode(kind),
    Uint8Array.of(0),
    textEncoder.encode(member),
  );
}

export const alarmRange: [Uint8Array, Uint8Array] = [
  Uint8Array.of(alarmPrefix),
  Uint8Array.of(alarmPrefix + 1),
];

/** Whether a store key is in the alarm records' range (made by alarmKey(), if well-formed). */
export function isAlarmStoreKey(storeKey: Uint8Array): boolean {
  return storeKey[0] === alarmPrefix;
}

export function userKey(key: Uint8Array): Uint8Array {
  const storeKey = new Uint8Array(key.length + 1);
  storeKey[0] = userPrefix;
  storeKey.set(key, 1);
  return storeKey;
}

/** Whether a store key holds a user key (made by userKey()). */
export function isUserStoreKey(storeKey: Uint8Array): boolean {
  return storeKey[0] === userPrefix;
}

/** The user key inside a store key made by userKey(). */
export function userKeyOf(storeKey: Uint8Array): Uint8Array {
  return storeKey.subarray(1);
}

/** The store range [start, end) holding user keys in [start, end); a null end means "to the last user key". */
export function userRange(start: Uint8Array, end: Uint8Array | null): [Uint8Array, Uint8Array] {
  return [userKey(start), end === null ? (prefixEnd(Uint8Array.of(userPrefix)) as Uint8Array) : userKey(end)];
}

export function clientIdBytes(clientId: string): Uint8Array {
  return textEncoder.encode(clientId);
}

/**
 * clientIdBytes(clientId).length without encoding: UTF-8 takes 1–3 bytes per UTF-16 code unit and 4
 * per surrogate pair; a lone surrogate is encoded as U+FFFD (3 bytes), as TextEncoder does.
 */
export function clientIdByteLength(clientId: string): number {
  let length = 0;
  for (let position = 0; position < clientId.length; position++) {
    const unit = clientId.charCodeAt(position);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (isHighSurrogate(unit) && isLowSurrogate(clientId.charCodeAt(position + 1))) {
      length += 4;
      position++;
    } else length += 3;
  }
  return length;
}

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

export function sessionKey(clientId: Uint8Array): Uint8Array {
  const key = new Uint8Array(1 + clientId.length);
  key[0] = sessionPrefix;
  key.set(clientId, 1);
  return key;
}

export function sessionActivityKey(lastUsedIndex: number, clientId: Uint8Array): Uint8Array {
  const key = new Uint8Array(9 + clientId.length);
  key[0] = sessionActivityPrefix;
  writeUint64(key, 1, lastUsedIndex);
  key.set(clientId, 9);
  return key;
}

export const sessionActivityRange: [Uint8Array, Uint8Array] = [
  Uint8Array.of(sessionActivityPrefix),
  Uint8Array.of(sessionActivityPrefix + 1),
];

export function parseSessionActivityKey(key: Uint8Array): { lastUsedIndex: number; clientId: Uint8Array } {
  return { lastUsedIndex: readUint64(key, 1), clientId: key.subarray(9) };
}

export function sessionResultKey(clientId: Uint8Array, sequence: number): Uint8Array {
  const key = new Uint8Array(10 + clientId.length);
  key[0] = sessionResultPrefix;
  key[1] = clientId.length;
  key.set(clientId, 2);
  writeUint64(key, 2 + clientId.length, sequence);
  return key;
}

/** The store range holding the results of `clientId` with sequences in [from, to). */
export function sessionResultRange(clientId: Uint8Array, from: number, to: number): [Uint8Array, Uint8Array] {
  return [sessionResultKey(clientId, from), sessionResultKey(clientId, to)];
}
