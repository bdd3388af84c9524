// Exactly-once client sessions (thesis §6.3), kept in the store under reserved prefixes so they are
// durable with the applied index and travel in snapshots. Expiry counts applied log entries, never
// wall-clock time, so every replica drops the same sessions at the same index. No user-key access.
import { assert } from '@raftkv/raft';
import { isBrokenVariant } from '@raftkv/raft/testing';
import type { CommandSession } from '../commands.js';
import type { KvLimits } from '../limits.js';
import type { KvErrorCode, KvResult } from '../results.js';
import type { KvStoreReader, KvStoreWriter } from '../store-port.js';
import { type BatchSession, BatchSessions, type SessionVictim } from './batch-sessions.js';
import { readUint64, uint64Bytes } from './bytes.js';
import { sessionCountKey, sessionResultKey, sessionResultRange } from './keyspace.js';
import { unpackWithPlainBytes } from './packr.js';
import { packResult } from './result-codec.js';

/** What to do with a command after its session was consulted. */
export type Admission =
  | { readonly kind: 'reply'; readonly result: KvResult }
  | { readonly kind: 'execute'; readonly session: BatchSession };

const sequenceEnd = 2 ** 53;

/**
 * Session records are held in memory for the length of one apply batch (BatchSessions) and written
 * once by flush(); results are written at once. The stored state after a batch is the same however
 * the log is cut into batches, because every decision reads the same (cached or stored) values.
 */
export class SessionTable {
  private sessionCount = 0;
  private sessionCountChanged = false;
  /** A lower bound on every session's lastUsedIndex; lets expire() skip the store when nothing can expire. */
  private oldestLastUsedIndex = 0;
  private readonly batch = new BatchSessions();

  constructor(private readonly limits: KvLimits) {}

  /** Re-reads the cached counters after the store changed underneath (start, restore, failed write). */
  load(reader: KvStoreReader): void {
    const stored = reader.get(sessionCountKey);
    this.sessionCount = stored === undefined ? 0 : readUint64(stored, 0);
    this.sessionCountChanged = false;
    this.oldestLastUsedIndex = 0;
    this.batch.clear();
  }

  /** Drops every session unused for more than sessionExpiryEntries entries before entry `index` (§6.3). */
  expire(writer: KvStoreWriter, index: number): void {
    const expiryEntries = this.limits.sessionExpiryEntries;
    while (this.oldestLastUsedIndex + expiryEntries < index) {
      const oldest = this.batch.oldest(writer);
      if (oldest === undefined) {
        this.oldestLastUsedIndex = index;
        return;
      }
      this.oldestLastUsedIndex = oldest.lastUsedIndex;
      if (oldest.lastUsedIndex + expiryEntries < index) this.remove(writer, oldest);
    }
  }

  /**
   * Consults (creating on sequence 1) and touches the command's session at entry `index`. A retry of a
   * remembered sequence replies with its first result, so the command is not applied twice (§6.3).
   */
  admit(writer: KvStoreWriter, command: CommandSession, index: number, revision: number): Admission {
    const session = this.batch.session(writer, command.clientId);
    if (!session.exists && command.sequence > 1) {
      return reply(
        'session-expired',
        `no session for client '${command.clientId}': expired or evicted`,
        revision,
      );
    }
    if (!session.exists) this.makeRoom(writer);
    const previousFirst = session.exists ? session.firstUnacknowledgedSequence : 1;
    const previousCount = session.exists ? session.resultCount : 0;
    const firstUnacknowledgedSequence = Math.max(previousFirst, command.firstUnacknowledgedSequence);
    // Results of sequences below the first unacknowledged one are forgotten: [previousFirst, first).
    const forgetEnd = isBrokenVariant('session-table-off-by-one')
      ? firstUnacknowledgedSequence + 1
      : firstUnacknowledgedSequence;
    const forgotten = forgetResults(writer, session.clientId, previousFirst, forgetEnd);
    this.batch.touch(session, index, firstUnacknowledgedSequence, previousCount - forgotten);
    if (command.sequence < firstUnacknowledgedSequence) {
      return reply(
        'sequence-acknowledged',
        `sequence ${command.sequence} was already acknowledged`,
        revision,
      );
    }
    const remembered = writer.get(sessionResultKey(session.clientId, command.sequence));
    if (remembered !== undefined)
      return { kind: 'reply', result: unpackWithPlainBytes(remembered) as KvResult };
    if (session.resultCount >= this.limits.resultsPerSessionMax) {
      return reply(
        'session-results-full',
        `session holds resultsPerSessionMax ${this.limits.resultsPerSessionMax} unacknowledged results`,
        revision,
      );
    }
    return { kind: 'execute', session };
  }

  /** Remembers the result of a command that may write (even if it did not), for retries of its sequence. */
  remember(
    writer: KvStoreWriter,
    admission: Admission & { kind: 'execute' },
    sequence: number,
    result: KvResult,
  ): void {
    writer.put(sessionResultKey(admission.session.clientId, sequence), packResult(result));
    this.batch.addResult(admission.session);
  }

  /** Writes the sessions this batch used and the session count; call once at the end of each batch. */
  flush(writer: KvStoreWriter): void {
    this.batch.flush(writer);
    if (!this.sessionCountChanged) return;
    writer.put(sessionCountKey, uint64Bytes(this.sessionCount));
    this.sessionCountChanged = false;
  }

  /** Evicts the least recently used session (ties: smallest client id bytes) while the table is full. */
  private makeRoom(writer: KvStoreWriter): void {
    while (this.sessionCount >= this.limits.sessionsMax) {
      const oldest = this.batch.oldest(writer);
      assert(oldest !== undefined, () => `session count ${this.sessionCount} but no session in the store`);
      this.remove(writer, oldest);
    }
    this.sessionCount++;
    this.sessionCountChanged = true;
  }

  private remove(writer: KvStoreWriter, victim: SessionVictim): void {
    forgetResults(writer, victim.clientId, 0, sequenceEnd);
    this.batch.remove(writer, victim);
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

function reply(code: KvErrorCode, message: string, revision: number): Admission {
  return { kind: 'reply', result: { ok: false, revision, error: { code, message } } };
}
