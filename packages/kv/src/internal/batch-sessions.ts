// The client sessions one apply batch has used, held in memory: each record is read from the store at
// most once per batch and written back (record and activity key) once, at flush. Bookkeeping only:
// the exactly-once rules live in session-table.ts; results and user keys never pass through here.
import { assert } from '@raftkv/raft';
import type { KvStoreReader, KvStoreWriter } from '../store-port.js';
import { readUint64, writeUint64 } from './bytes.js';
import {
  clientIdBytes,
  parseSessionActivityKey,
  sessionActivityKey,
  sessionActivityRange,
  sessionKey,
} from './keyspace.js';

/** One client's session as the batch sees it now; its fields change in memory until flush. */
export interface BatchSession {
  readonly clientId: Uint8Array;
  /** False when the client has no session (never created, expired or evicted). */
  readonly exists: boolean;
  readonly lastUsedIndex: number;
  readonly firstUnacknowledgedSequence: number;
  /** Remembered results held for sequences ≥ firstUnacknowledgedSequence. */
  readonly resultCount: number;
}

/** A session chosen for removal: the least recently used, from the store or from this batch. */
export interface SessionVictim {
  readonly clientId: Uint8Array;
  readonly lastUsedIndex: number;
  /** This batch's entry for it (null for a session the batch never read). */
  readonly cached: BatchSession | null;
}

/** What every BatchSession handed out really is; only this file changes its fields. */
interface CachedSession {
  readonly clientId: Uint8Array;
  readonly recordKey: Uint8Array;
  exists: boolean;
  lastUsedIndex: number;
  firstUnacknowledgedSequence: number;
  resultCount: number;
}

const recordBytes = 24;
const emptyValue = new Uint8Array(0);

/**
 * Invariant: the store's activity index (sessions by last use) never lists a session cached here —
 * reading a record deletes its activity key, and flush writes it back at the final lastUsedIndex. So
 * the store's activity index and this batch's sessions together list every session exactly once.
 */
export class BatchSessions {
  /** Keyed by the client id's UTF-8 bytes (as a latin1 string): the store knows sessions by bytes. */
  private readonly sessions = new Map<string, CachedSession>();
  /**
   * The same sessions by client id string, for the lookup of every command. Distinct strings may share
   * bytes (each lone surrogate encodes as U+FFFD), so a string seen first is resolved through its bytes.
   */
  private readonly byClientId = new Map<string, CachedSession>();

  /** The client's session as of now in this batch; the first use in a batch reads it from the store. */
  session(writer: KvStoreWriter, clientId: string): BatchSession {
    const cached = this.byClientId.get(clientId);
    if (cached !== undefined) return cached;
    const bytes = clientIdBytes(clientId);
    const bytesKey = String.fromCharCode(...bytes);
    const session = this.sessions.get(bytesKey) ?? this.read(writer, bytes);
    this.sessions.set(bytesKey, session);
    this.byClientId.set(clientId, session);
    return session;
  }

  /** Reads a session record and takes its activity key out of the store's index (the invariant above). */
  private read(writer: KvStoreWriter, bytes: Uint8Array): CachedSession {
    const recordKey = sessionKey(bytes);
    const stored = writer.get(recordKey);
    const session: CachedSession = {
      clientId: bytes,
      recordKey,
      exists: stored !== undefined,
      lastUsedIndex: stored === undefined ? 0 : readUint64(stored, 0),
      firstUnacknowledgedSequence: stored === undefined ? 1 : readUint64(stored, 8),
      resultCount: stored === undefined ? 0 : readUint64(stored, 16),
    };
    if (session.exists) writer.delete(sessionActivityKey(session.lastUsedIndex, bytes));
    return session;
  }

  /** Records that the session (created if it did not exist) was used at entry `index`. */
  touch(
    session: BatchSession,
    index: number,
    firstUnacknowledgedSequence: number,
    resultCount: number,
  ): void {
    const cached = session as CachedSession;
    cached.exists = true;
    cached.lastUsedIndex = index;
    cached.firstUnacknowledgedSequence = firstUnacknowledgedSequence;
    cached.resultCount = resultCount;
  }

  /** Counts one more remembered result for the session. */
  addResult(session: BatchSession): void {
    assert(session.exists, 'addResult: the session does not exist');
    (session as CachedSession).resultCount++;
  }

  /**
   * The least recently used session, or undefined when there is none. A session the batch has not
   * used predates the batch, so it is older than every session the batch used: the batch's own
   * sessions are searched only when the store's activity index is empty.
   */
  oldest(reader: KvStoreReader): SessionVictim | undefined {
    const stored = reader.range(sessionActivityRange[0], sessionActivityRange[1], 1)[0];
    if (stored !== undefined) return { ...parseSessionActivityKey(stored[0]), cached: null };
    let oldest: CachedSession | undefined;
    for (const session of this.sessions.values()) {
      if (session.exists && (oldest === undefined || isOlder(session, oldest))) oldest = session;
    }
    return oldest === undefined
      ? undefined
      : { clientId: oldest.clientId, lastUsedIndex: oldest.lastUsedIndex, cached: oldest };
  }

  /** Deletes the victim's record and activity key (its results are the caller's to forget). */
  remove(writer: KvStoreWriter, victim: SessionVictim): void {
    if (victim.cached === null) {
      writer.delete(sessionActivityKey(victim.lastUsedIndex, victim.clientId));
      writer.delete(sessionKey(victim.clientId));
      return;
    }
    const cached = victim.cached as CachedSession;
    cached.exists = false;
    writer.delete(cached.recordKey);
  }

  /** Writes every session the batch used (record and activity key) and empties the batch. */
  flush(writer: KvStoreWriter): void {
    for (const session of this.sessions.values()) {
      if (!session.exists) continue;
      writer.put(sessionActivityKey(session.lastUsedIndex, session.clientId), emptyValue);
      writer.put(session.recordKey, encodeRecord(session));
    }
    this.clear();
  }

  /** Drops the batch without writing it (the store was not changed, or is being reloaded). */
  clear(): void {
    this.sessions.clear();
    this.byClientId.clear();
  }
}

/** Each entry touches at most one session, so no two sessions share a lastUsedIndex. */
function isOlder(a: CachedSession, b: CachedSession): boolean {
  assert(a.lastUsedIndex !== b.lastUsedIndex, () => `two sessions last used at ${a.lastUsedIndex}`);
  return a.lastUsedIndex < b.lastUsedIndex;
}

function encodeRecord(session: CachedSession): Uint8Array {
  const bytes = new Uint8Array(recordBytes);
  writeUint64(bytes, 0, session.lastUsedIndex);
  writeUint64(bytes, 8, session.firstUnacknowledgedSequence);
  writeUint64(bytes, 16, session.resultCount);
  return bytes;
}
