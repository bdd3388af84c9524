// Exactly-once client sessions (thesis §6.3), kept in the store under reserved prefixes so they are
// durable with the applied index and travel in snapshots. Expiry counts applied log entries, never
// wall-clock time, so every replica drops the same sessions at the same index. No user-key access.
import { assert } from '@raftkv/raft';
import type { CommandSession } from '../commands.js';
import type { KvLimits } from '../limits.js';
import type { KvErrorCode, KvResult } from '../results.js';
import type { KvStoreReader, KvStoreWriter } from '../store-port.js';
import { readUint64, uint64Bytes, writeUint64 } from './bytes.js';
import {
  clientIdBytes,
  parseSessionActivityKey,
  sessionActivityKey,
  sessionActivityRange,
  sessionCountKey,
  sessionKey,
  sessionResultKey,
  sessionResultRange,
} from './keyspace.js';
import { kvPackr, unpackWithPlainBytes } from './packr.js';

interface SessionRecord {
  readonly lastUsedIndex: number;
  readonly firstUnacknowledgedSequence: number;
  readonly resultCount: number;
}

/** What to do with a command after its session was consulted. */
export type Admission =
  | { readonly kind: 'reply'; readonly result: KvResult }
  | { readonly kind: 'execute'; readonly clientId: Uint8Array; readonly record: SessionRecord };

const sequenceEnd = 2 ** 53;

export class SessionTable {
  private sessionCount = 0;
  private sessionCountChanged = false;
  /** A lower bound on every session's lastUsedIndex; lets expire() skip the store when nothing can expire. */
  private oldestLastUsedIndex = 0;

  constructor(private readonly limits: KvLimits) {}

  /** Re-reads the cached counters after the store changed underneath (start, restore, failed write). */
  load(reader: KvStoreReader): void {
    const stored = reader.get(sessionCountKey);
    this.sessionCount = stored === undefined ? 0 : readUint64(stored, 0);
    this.sessionCountChanged = false;
    this.oldestLastUsedIndex = 0;
  }

  /** Drops every session unused for more than sessionExpiryEntries entries before entry `index` (§6.3). */
  expire(writer: KvStoreWriter, index: number): void {
    const expiryEntries = this.limits.sessionExpiryEntries;
    while (this.oldestLastUsedIndex + expiryEntries < index) {
      const oldest = writer.range(sessionActivityRange[0], sessionActivityRange[1], 1)[0];
      if (oldest === undefined) {
        this.oldestLastUsedIndex = index;
        return;
      }
      const { lastUsedIndex, clientId } = parseSessionActivityKey(oldest[0]);
      this.oldestLastUsedIndex = lastUsedIndex;
      if (lastUsedIndex + expiryEntries < index) this.remove(writer, clientId, lastUsedIndex);
    }
  }

  /**
   * Consults (creating on sequence 1) and touches the command's session at entry `index`. A retry of a
   * remembered sequence replies with its first result, so the command is not applied twice (§6.3).
   */
  admit(writer: KvStoreWriter, session: CommandSession, index: number, revision: number): Admission {
    const clientId = clientIdBytes(session.clientId);
    const existing = readRecord(writer, clientId);
    if (existing === null && session.sequence > 1) {
      return reply(
        'session-expired',
        `no session for client '${session.clientId}': expired or evicted`,
        revision,
      );
    }
    if (existing === null) this.makeRoom(writer);
    const previous = existing ?? { lastUsedIndex: index, firstUnacknowledgedSequence: 1, resultCount: 0 };
    const firstUnacknowledgedSequence = Math.max(
      previous.firstUnacknowledgedSequence,
      session.firstUnacknowledgedSequence,
    );
    const forgotten = forgetResults(
      writer,
      clientId,
      previous.firstUnacknowledgedSequence,
      firstUnacknowledgedSequence,
    );
    const record = {
      lastUsedIndex: index,
      firstUnacknowledgedSequence,
      resultCount: previous.resultCount - forgotten,
    };
    this.store(writer, clientId, existing, record);
    if (session.sequence < firstUnacknowledgedSequence) {
      return reply(
        'sequence-acknowledged',
        `sequence ${session.sequence} was already acknowledged`,
        revision,
      );
    }
    const remembered = writer.get(sessionResultKey(clientId, session.sequence));
    if (remembered !== undefined)
      return { kind: 'reply', result: unpackWithPlainBytes(remembered) as KvResult };
    if (record.resultCount >= this.limits.resultsPerSessionMax) {
      return reply(
        'session-results-full',
        `session holds resultsPerSessionMax ${this.limits.resultsPerSessionMax} unacknowledged results`,
        revision,
      );
    }
    return { kind: 'execute', clientId, record };
  }

  /** Remembers the result of a command that changed state, for retries of its sequence. */
  remember(
    writer: KvStoreWriter,
    admission: Admission & { kind: 'execute' },
    sequence: number,
    result: KvResult,
  ) {
    const { clientId, record } = admission;
    writer.put(sessionResultKey(clientId, sequence), kvPackr.pack(result));
    writer.put(sessionKey(clientId), encodeRecord({ ...record, resultCount: record.resultCount + 1 }));
  }

  /** Writes the session count if it changed; call once at the end of each applied batch. */
  flush(writer: KvStoreWriter): void {
    if (!this.sessionCountChanged) return;
    writer.put(sessionCountKey, uint64Bytes(this.sessionCount));
    this.sessionCountChanged = false;
  }

  /** Evicts the least recently used session (ties: smallest client id bytes) while the table is full. */
  private makeRoom(writer: KvStoreWriter): void {
    while (this.sessionCount >= this.limits.sessionsMax) {
      const oldest = writer.range(sessionActivityRange[0], sessionActivityRange[1], 1)[0];
      assert(oldest !== undefined, () => `session count ${this.sessionCount} but no session in the store`);
      const { lastUsedIndex, clientId } = parseSessionActivityKey(oldest[0]);
      this.remove(writer, clientId, lastUsedIndex);
    }
    this.sessionCount++;
    this.sessionCountChanged = true;
  }

  private store(
    writer: KvStoreWriter,
    clientId: Uint8Array,
    existing: SessionRecord | null,
    record: SessionRecord,
  ) {
    if (existing !== null) writer.delete(sessionActivityKey(existing.lastUsedIndex, clientId));
    writer.put(sessionActivityKey(record.lastUsedIndex, clientId), new Uint8Array(0));
    writer.put(sessionKey(clientId), encodeRecord(record));
  }

  private remove(writer: KvStoreWriter, clientId: Uint8Array, lastUsedIndex: number): void {
    forgetResults(writer, clientId, 0, sequenceEnd);
    writer.delete(sessionActivityKey(lastUsedIndex, clientId));
    writer.delete(sessionKey(clientId));
    this.sessionCount--;
    this.sessionCountChanged = true;
  }
}

/**
 * Spans of at most this many sequences are forgotten key by key: a pipelining client acknowledges a
 * few sequences per command, and point reads cost far less than opening a range scan for each.
 */
const forgetByKeySpanMax = 16;

/** Deletes the session's results for sequences in [from, to); returns how many there were. */
function forgetResults(writer: KvStoreWriter, clientId: Uint8Array, from: number, to: number): number {
  if (from >= to) return 0;
  if (to - from <= forgetByKeySpanMax) {
    let forgotten = 0;
    for (let sequence = from; sequence < to; sequence++) {
      const key = sessionResultKey(clientId, sequence);
      if (writer.get(key) === undefined) continue;
      writer.delete(key);
      forgotten++;
    }
    return forgotten;
  }
  const [start, end] = sessionResultRange(clientId, from, to);
  const results = writer.range(start, end, Number.MAX_SAFE_INTEGER);
  for (const [key] of results) writer.delete(key);
  return results.length;
}

function readRecord(reader: KvStoreReader, clientId: Uint8Array): SessionRecord | null {
  const stored = reader.get(sessionKey(clientId));
  if (stored === undefined) return null;
  return {
    lastUsedIndex: readUint64(stored, 0),
    firstUnacknowledgedSequence: readUint64(stored, 8),
    resultCount: readUint64(stored, 16),
  };
}

function encodeRecord(record: SessionRecord): Uint8Array {
  const bytes = new Uint8Array(24);
  writeUint64(bytes, 0, record.lastUsedIndex);
  writeUint64(bytes, 8, record.firstUnacknowledgedSequence);
  writeUint64(bytes, 16, record.resultCount);
  return bytes;
}

function reply(code: KvErrorCode, message: string, revision: number): Admission {
  return { kind: 'reply', result: { ok: false, revision, error: { code, message } } };
}
