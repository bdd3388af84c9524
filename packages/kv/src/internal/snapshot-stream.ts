// The snapshot byte stream of the KV state machine (paper §7): a header, batches of store pairs in
// key order, and a trailer, each one msgpack value. The bytes are a pure function of the store
// view, so every replica at the same applied index produces identical chunks. No store writes here.
import { assert, type Configuration, type SnapshotMetadata, type SnapshotReader } from '@raftkv/raft';
import type { KvStoreSnapshotView } from '../store-port.js';
import { decodeAlarmRecord } from './alarm-table.js';
import { compareBytes, concatBytes } from './bytes.js';
import { isAlarmStoreKey } from './keyspace.js';
import { kvPackr } from './packr.js';

const snapshotFormat = 'raftkv-kv-snapshot';
const snapshotFormatVersion = 1;
/** A batch is closed once its keys and values reach this many bytes. */
const snapshotBatchBytes = 64 * 1024;

interface SnapshotHeader {
  readonly format: string;
  readonly formatVersion: number;
  readonly index: number;
  readonly term: number;
  readonly configuration: Configuration;
}

/** Streams a store view; readChunk may go back to any earlier offset (it re-iterates the view). */
export class KvSnapshotReader implements SnapshotReader {
  readonly metadata: SnapshotMetadata;
  private segments: Iterator<Uint8Array>;
  /** Consecutive encoded segments covering [windowStart, windowEnd) of the stream. */
  private window: Uint8Array[] = [];
  private windowStart = 0;
  private windowEnd = 0;

  constructor(private readonly view: KvStoreSnapshotView) {
    const { appliedIndex, appliedTerm, configuration } = view.metadata;
    assert(
      configuration !== null,
      'openSnapshot: no configuration entry applied yet (bootstrap logs one at index 1)',
    );
    this.metadata = {
      index: appliedIndex,
      term: appliedTerm,
      configuration: normalizeConfiguration(configuration),
    };
    this.segments = this.encodeSegments();
  }

  readChunk(offset: number, maxBytes: number): Uint8Array {
    assert(Number.isSafeInteger(offset) && offset >= 0, () => `readChunk: bad offset ${offset}`);
    assert(Number.isSafeInteger(maxBytes) && maxBytes > 0, () => `readChunk: bad maxBytes ${maxBytes}`);
    if (offset < this.windowStart) this.restart();
    this.dropSegmentsBefore(offset);
    this.fillTo(offset + maxBytes);
    return this.copyOut(offset, Math.min(offset + maxBytes, this.windowEnd));
  }

  close(): void {
    this.view.close();
  }

  private *encodeSegments(): Generator<Uint8Array> {
    const header: SnapshotHeader = {
      format: snapshotFormat,
      formatVersion: snapshotFormatVersion,
      index: this.metadata.index,
      term: this.metadata.term,
      configuration: this.metadata.configuration,
    };
    yield kvPackr.pack(header);
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    let pairCount = 0;
    for (const [key, value] of this.view.entries()) {
      batch.push(key, value);
      batchBytes += key.length + value.length;
      pairCount++;
      if (batchBytes >= snapshotBatchBytes) {
        yield kvPackr.pack(batch);
        batch = [];
        batchBytes = 0;
      }
    }
    if (batch.length > 0) yield kvPackr.pack(batch);
    yield kvPackr.pack({ pairCount });
  }

  private restart(): void {
    this.segments = this.encodeSegments();
    this.window = [];
    this.windowStart = 0;
    this.windowEnd = 0;
  }

  /** Drops (or skips over) every segment that ends at or before `offset`. */
  private dropSegmentsBefore(offset: number): void {
    for (;;) {
      if (this.window.length === 0 && !this.appendSegment()) return;
      const first = this.window[0]!;
      if (this.windowStart + first.length > offset) return;
      this.window.shift();
      this.windowStart += first.length;
    }
  }

  private fillTo(end: number): void {
    while (this.windowEnd < end && this.appendSegment()) {}
  }

  /** Encodes the next segment onto the window; false at the end of the stream. */
  private appendSegment(): boolean {
    const next = this.segments.next();
    if (next.done === true) return false;
    this.window.push(next.value);
    this.windowEnd += next.value.length;
    return true;
  }

  private copyOut(start: number, end: number): Uint8Array {
    const chunk = new Uint8Array(Math.max(0, end - start));
    let segmentStart = this.windowStart;
    for (const segment of this.window) {
      const from = Math.max(start, segmentStart);
      const to = Math.min(end, segmentStart + segment.length);
      if (from < to) chunk.set(segment.subarray(from - segmentStart, to - segmentStart), from - start);
      segmentStart += segment.length;
    }
    return chunk;
  }
}

/** Decodes a whole snapshot stream into its store pairs, checking its structure (corruption asserts). */
export function decodeSnapshot(
  metadata: SnapshotMetadata,
  chunks: readonly Uint8Array[],
): Array<[Uint8Array, Uint8Array]> {
  const decoded = parseSnapshotStream(metadata, concatBytes(...chunks));
  assert(decoded.ok, () => (decoded.ok ? '' : decoded.message));
  return decoded.pairs;
}

export type ParsedSnapshotStream =
  | { readonly ok: true; readonly pairs: Array<[Uint8Array, Uint8Array]> }
  | { readonly ok: false; readonly message: string };

/**
 * The same decode as a result, never an assertion: for bytes from outside the cluster (a backup
 * file), where a malformed stream is bad input, not a broken invariant.
 */
export function parseSnapshotStream(
  metadata: Pick<SnapshotMetadata, 'index' | 'term'>,
  bytes: Uint8Array,
): ParsedSnapshotStream {
  const fail = (message: string): ParsedSnapshotStream => ({ ok: false, message });
  let records: unknown[];
  try {
    records = kvPackr.unpackMultiple(bytes) as unknown[];
  } catch (error) {
    return fail(`KV snapshot at index ${metadata.index} is not valid msgpack: ${String(error)}`);
  }
  const headerProblem = headerMismatch(metadata, records[0]);
  if (headerProblem !== null) return fail(headerProblem);
  const pairs: Array<[Uint8Array, Uint8Array]> = [];
  for (const batch of records.slice(1, -1)) {
    if (!isPairBatch(batch)) return fail(`KV snapshot at index ${metadata.index} has a malformed batch`);
    for (let position = 0; position < batch.length; position += 2) {
      const key = batch[position]!;
      // The stream is one ordered scan of the store: keys strictly ascending, so a damaged key can
      // neither repeat another (one of the two silently lost) nor arrive out of place.
      const previous = pairs.at(-1)?.[0];
      if (previous !== undefined && compareBytes(previous, key) >= 0)
        return fail(
          `KV snapshot at index ${metadata.index} has keys out of order or repeated at pair ${pairs.length}`,
        );
      const value = batch[position + 1]!;
      // Alarm records are decoded when the state machine loads them: a damaged one is refused here,
      // before it could replace the store.
      if (isAlarmStoreKey(key) && decodeAlarmRecord(key, value) === null)
        return fail(
          `KV snapshot at index ${metadata.index} has a malformed alarm record at pair ${pairs.length}`,
        );
      pairs.push([key, value]);
    }
  }
  const trailer = records.at(-1) as { pairCount?: unknown } | undefined;
  if (records.length < 2 || trailer?.pairCount !== pairs.length)
    return fail(`KV snapshot at index ${metadata.index} is truncated or its pair count does not match`);
  return { ok: true, pairs };
}

function headerMismatch(metadata: Pick<SnapshotMetadata, 'index' | 'term'>, header: unknown): string | null {
  const candidate = header as Partial<SnapshotHeader> | undefined;
  if (candidate?.format !== snapshotFormat || candidate.formatVersion !== snapshotFormatVersion)
    return `KV snapshot at index ${metadata.index}: unknown format (expected ${snapshotFormat} v${snapshotFormatVersion})`;
  if (candidate.index !== metadata.index || candidate.term !== metadata.term)
    return `KV snapshot header says index ${candidate.index} term ${candidate.term}, metadata says index ${metadata.index} term ${metadata.term}`;
  return null;
}

function isPairBatch(batch: unknown): batch is Uint8Array[] {
  return Array.isArray(batch) && batch.length % 2 === 0 && batch.every((item) => item instanceof Uint8Array);
}

/** A copy with members in a fixed field order, so the header bytes do not depend on who built it. */
function normalizeConfiguration(configuration: Configuration): Configuration {
  return { members: configuration.members.map(({ id, role, address }) => ({ id, role, address })) };
}
