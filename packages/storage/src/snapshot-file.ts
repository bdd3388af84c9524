// The backup file of a member's KV state (`raftkv snapshot save`, `raftkvd --restore`): a magic, a
// JSON header (format version, applied index and term, KV revision, key count, cluster id, the
// configuration at that index), the KV snapshot stream the state machine sends in InstallSnapshot
// (paper §7), and a SHA-256 over every byte before it. Any truncation or changed byte is refused.
import { createHash } from 'node:crypto';
import {
  KvSnapshotReader,
  KvSnapshotSummarizer,
  type KvStoreSnapshotView,
  parseSnapshotStream,
  summarizeStorePairs,
} from '@raftkv/kv';
import type { Configuration, LogIndex, LogStorage, Member, Term } from '@raftkv/raft';
import type { LmdbKvStore } from './kv-store.js';

/** "RKVSNAP" and a newline: the first 8 bytes of every backup file. */
export const snapshotFileMagic = Uint8Array.from([0x52, 0x4b, 0x56, 0x53, 0x4e, 0x41, 0x50, 0x0a]);
export const snapshotFileFormatVersion = 1;
const lengthBytes = 4;
const checksumBytes = 32;
/** A header is a few hundred bytes; anything near this is not a header. */
const headerBytesMax = 1024 * 1024;
const bodyChunkBytes = 1024 * 1024;

export interface SnapshotFileHeader {
  readonly formatVersion: number;
  /** The applied log index the snapshot was taken at (thesis §5.1 snapshot metadata). */
  readonly index: LogIndex;
  readonly term: Term;
  /** The KV revision at that index. */
  readonly revision: number;
  readonly keyCount: number;
  /** The source cluster's id, if it has one (null: raftkv clusters carry none yet). */
  readonly clusterId: string | null;
  /** The source cluster's configuration at that index (informative: a restore names its own). */
  readonly configuration: Configuration;
  readonly bodyBytes: number;
}

export type SnapshotFileErrorReason = 'not-a-snapshot' | 'unsupported-version' | 'truncated' | 'corrupt';

/** A backup file that cannot be trusted; bad input, never a broken invariant. */
export class SnapshotFileError extends Error {
  override readonly name = 'SnapshotFileError';
  constructor(
    readonly reason: SnapshotFileErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifiedSnapshotFile {
  readonly header: SnapshotFileHeader;
  /** SHA-256 of every byte before the checksum, hex. */
  readonly checksum: string;
  readonly sizeBytes: number;
  readonly pairs: Array<[Uint8Array, Uint8Array]>;
}

/** Pairs (or body chunks) handled between two yields to the event loop while a backup is prepared. */
const pairsPerPause = 4096;

/**
 * The bytes of a backup file of `view`, in order: one pass counts keys and measures the body, a
 * second streams it, both over the same read transaction, so the file is one point-in-time state
 * however long it takes while writes go on. The passes yield to the event loop every few thousand
 * pairs, so a member keeps its heartbeats going (paper §5.6) while a large store is backed up.
 * Closes the view when the iteration ends or is abandoned.
 */
export async function* encodeSnapshotFile(
  view: KvStoreSnapshotView,
  options: { readonly clusterId?: string | null } = {},
): AsyncGenerator<Uint8Array> {
  const reader = new KvSnapshotReader(view);
  try {
    const summarizer = new KvSnapshotSummarizer();
    let seen = 0;
    for (const [key, value] of view.entries()) {
      summarizer.add(key, value);
      if (++seen % pairsPerPause === 0) await pause();
    }
    const summary = summarizer.result();
    let bodyBytes = 0;
    for (;;) {
      const chunk = reader.readChunk(bodyBytes, bodyChunkBytes);
      if (chunk.length === 0) break;
      bodyBytes += chunk.length;
      await pause();
    }
    const header: SnapshotFileHeader = {
      formatVersion: snapshotFileFormatVersion,
      index: reader.metadata.index,
      term: reader.metadata.term,
      revision: summary.revision,
      keyCount: summary.keyCount,
      clusterId: options.clusterId ?? null,
      configuration: reader.metadata.configuration,
      bodyBytes,
    };
    const hash = createHash('sha256');
    const headerBytes = new TextEncoder().encode(JSON.stringify(header));
    const prefix = new Uint8Array(snapshotFileMagic.length + lengthBytes + headerBytes.length);
    prefix.set(snapshotFileMagic, 0);
    new DataView(prefix.buffer).setUint32(snapshotFileMagic.length, headerBytes.length);
    prefix.set(headerBytes, snapshotFileMagic.length + lengthBytes);
    hash.update(prefix);
    yield prefix;
    for (let offset = 0; offset < bodyBytes; ) {
      const chunk = reader.readChunk(offset, bodyChunkBytes);
      if (chunk.length === 0) break;
      hash.update(chunk);
      offset += chunk.length;
      yield chunk;
    }
    yield new Uint8Array(hash.digest());
  } finally {
    reader.close();
  }
}

function pause(): Promise<void> {
  return new Promise((resume) => setImmediate(resume));
}

/** Checks every byte of a backup file and decodes its pairs; throws SnapshotFileError if it cannot be trusted. */
export function verifySnapshotFile(bytes: Uint8Array): VerifiedSnapshotFile {
  const fixed = snapshotFileMagic.length + lengthBytes;
  const magic = bytes.subarray(0, snapshotFileMagic.length);
  if (!magic.every((byte, position) => byte === snapshotFileMagic[position]))
    throw bytes.length < snapshotFileMagic.length &&
      snapshotFileMagic.subarray(0, bytes.length).every((b, i) => b === bytes[i])
      ? new SnapshotFileError('truncated', `the file ends after ${bytes.length} bytes, inside its magic`)
      : new SnapshotFileError(
          'not-a-snapshot',
          'not a raftkv snapshot file (its first bytes are not RKVSNAP)',
        );
  if (bytes.length < fixed + checksumBytes)
    throw new SnapshotFileError('truncated', `the file ends after ${bytes.length} bytes, before its header`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    snapshotFileMagic.length,
  );
  if (headerLength > headerBytesMax)
    throw new SnapshotFileError('corrupt', `the header length ${headerLength} is not plausible`);
  if (bytes.length < fixed + headerLength + checksumBytes)
    throw new SnapshotFileError('truncated', `the file ends after ${bytes.length} bytes, inside its header`);
  const checksumAt = bytes.length - checksumBytes;
  const checksum = createHash('sha256').update(bytes.subarray(0, checksumAt)).digest();
  const header = parseHeader(bytes.subarray(fixed, fixed + headerLength));
  const expectedSize = fixed + headerLength + header.bodyBytes + checksumBytes;
  if (bytes.length < expectedSize)
    throw new SnapshotFileError(
      'truncated',
      `the file has ${bytes.length} bytes; its header promises ${expectedSize}`,
    );
  if (!checksum.equals(bytes.subarray(checksumAt)))
    throw new SnapshotFileError(
      'corrupt',
      'the SHA-256 checksum does not match the contents: the file is damaged',
    );
  if (bytes.length !== expectedSize)
    throw new SnapshotFileError(
      'corrupt',
      `the file has ${bytes.length} bytes; its header promises ${expectedSize}`,
    );
  const body = Uint8Array.from(bytes.subarray(fixed + headerLength, checksumAt));
  const parsed = parseSnapshotStream(header, body);
  if (!parsed.ok) throw new SnapshotFileError('corrupt', parsed.message);
  const summary = summarizeStorePairs(parsed.pairs);
  if (summary.keyCount !== header.keyCount || summary.revision !== header.revision)
    throw new SnapshotFileError('corrupt', 'the header key count or revision does not match the contents');
  return { header, checksum: checksum.toString('hex'), sizeBytes: bytes.length, pairs: parsed.pairs };
}

/**
 * Seeds an EMPTY data directory from a verified backup for a new cluster (etcd `snapshot restore`):
 * the KV store holds the file's pairs at its index and term, and the log starts at that index with
 * snapshot metadata naming the NEW cluster's members (thesis §5.1: the snapshot carries the
 * configuration). Members restored from the same file agree on index, term and state without a
 * transfer. The store is written first, then the log (paper §7's order, as for InstallSnapshot).
 */
export function restoreSnapshotFile(
  target: { readonly log: LogStorage; readonly kv: LmdbKvStore },
  file: VerifiedSnapshotFile,
  configuration: Configuration,
): void {
  const { index, term } = file.header;
  target.kv.replaceAll(file.pairs, { appliedIndex: index, appliedTerm: term, configuration });
  target.log.persist({
    hardState: { term, votedFor: null, commitIndex: index },
    entries: [],
    snapshot: { index, term, configuration },
  });
}

function parseHeader(bytes: Uint8Array): SnapshotFileHeader {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new SnapshotFileError('corrupt', 'the header is not valid JSON');
  }
  const header = value as Partial<SnapshotFileHeader> | null;
  if (typeof header !== 'object' || header === null)
    throw new SnapshotFileError('corrupt', 'the header is not a JSON object');
  if (header.formatVersion !== snapshotFileFormatVersion)
    throw new SnapshotFileError(
      'unsupported-version',
      `format version ${String(header.formatVersion)} is not supported (this build reads ${snapshotFileFormatVersion})`,
    );
  const counts = [header.index, header.term, header.revision, header.keyCount, header.bodyBytes];
  if (!counts.every((count) => Number.isSafeInteger(count) && (count as number) >= 0))
    throw new SnapshotFileError('corrupt', 'the header has a missing or negative count');
  if (header.clusterId !== null && typeof header.clusterId !== 'string')
    throw new SnapshotFileError('corrupt', 'the header cluster id is neither null nor a string');
  if (!isConfiguration(header.configuration))
    throw new SnapshotFileError('corrupt', 'the header configuration is malformed');
  return header as SnapshotFileHeader;
}

function isConfiguration(value: unknown): value is Configuration {
  const members = (value as { members?: unknown } | null)?.members;
  return (
    Array.isArray(members) &&
    members.every(
      (member: Partial<Member> | null) =>
        typeof member?.id === 'string' &&
        (member.role === 'voter' || member.role === 'learner') &&
        typeof member.address === 'string',
    )
  );
}
