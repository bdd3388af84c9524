// The byte format of a write-ahead-log segment: an 8-byte magic, then records framed as
// [u32 payload length][u32 CRC32 of payload][u32 CRC32 of the 8 bytes before][payload]. A payload is
// one kind byte and its body. The header's own checksum tells a damaged length (corruption) from an
// append cut short (a torn tail). Pure byte work, no I/O.

import { crc32 } from 'node:zlib';
import type { Entry, HardState, SnapshotMetadata } from '@raftkv/raft';
import { encodeEntry, encodeHardState, encodeSnapshotMetadata, type RecordDecoder } from '../record-codec.js';

export const walMagic = Buffer.from('RKVWAL01', 'latin1');
export const recordHeaderBytes = 12;

/** What one record says; replayed in file order they rebuild the log. */
export type WalRecord =
  /** The log restarts after this point (a segment's first record, or an installed snapshot). */
  | { readonly kind: 'reset'; readonly point: SnapshotMetadata }
  /** Entries from entries[0].index on; any suffix at or after that index is replaced (paper §5.3). */
  | { readonly kind: 'entries'; readonly entries: Entry[] }
  | { readonly kind: 'hardState'; readonly hardState: HardState }
  /** Entries up to and including point.index are discarded (paper §7). */
  | { readonly kind: 'compaction'; readonly point: SnapshotMetadata };

const kindCodes = { reset: 1, entries: 2, hardState: 3, compaction: 4 } as const;

/** Frames one payload: header, then the payload. */
export function frame(payload: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(recordHeaderBytes + payload.byteLength);
  framed.writeUInt32LE(payload.byteLength, 0);
  framed.writeUInt32LE(crc32(payload), 4);
  framed.writeUInt32LE(crc32(framed.subarray(0, 8)), 8);
  framed.set(payload, recordHeaderBytes);
  return framed;
}

function withKind(kind: number, body: Buffer): Buffer {
  const payload = Buffer.allocUnsafe(1 + body.byteLength);
  payload[0] = kind;
  body.copy(payload, 1);
  return payload;
}

export function encodeResetRecord(point: SnapshotMetadata): Buffer {
  return frame(withKind(kindCodes.reset, encodeSnapshotMetadata(point)));
}

export function encodeCompactionRecord(point: SnapshotMetadata): Buffer {
  return frame(withKind(kindCodes.compaction, encodeSnapshotMetadata(point)));
}

export function encodeHardStateRecord(hardState: HardState): Buffer {
  return frame(withKind(kindCodes.hardState, encodeHardState(hardState)));
}

/**
 * One record for contiguous entries, given their msgpack encodings (encodeEntry): a u32 count, then
 * each as [u32 length][bytes].
 */
export function encodeEntriesRecord(encodedEntries: readonly Buffer[]): Buffer {
  let bytes = 1 + 4;
  for (const encoded of encodedEntries) bytes += 4 + encoded.byteLength;
  const payload = Buffer.allocUnsafe(bytes);
  payload[0] = kindCodes.entries;
  payload.writeUInt32LE(encodedEntries.length, 1);
  let offset = 5;
  for (const encoded of encodedEntries) {
    payload.writeUInt32LE(encoded.byteLength, offset);
    encoded.copy(payload, offset + 4);
    offset += 4 + encoded.byteLength;
  }
  return frame(payload);
}

export { encodeEntry };

/** Where scanning stopped: every record before `validBytes` verified; the rest is a torn tail. */
export interface ScanResult {
  readonly records: WalRecord[];
  readonly validBytes: number;
  /** Bytes after validBytes: a final write that did not complete (to be truncated), 0 if none. */
  readonly tornBytes: number;
}

/**
 * Decodes every record of a segment. A bad record is accepted as a torn tail only where a crash
 * during the last (unsynced) append could have left it: a short record (fewer bytes than a header
 * remain, or the header is intact but its payload runs past the file end), or zero-filled space the
 * file system allocated but never wrote (every byte from the record on, or its whole payload when it
 * ends at the file end). A full-length final record that fails its checksum with non-zero payload
 * bytes is corruption: an append cut short leaves a short record, and a bit flip in the last synced
 * record must not silently drop an acknowledged entry. Anything else fails with `corrupt(reason)` — never skipped or repaired.
 * `treatFinalRecordAsTorn` is the broken variant 'reopen-truncates-final-record' (tests only).
 */
export function scanSegment(
  bytes: Buffer,
  decoder: RecordDecoder,
  corrupt: (reason: string) => Error,
  treatFinalRecordAsTorn = false,
): ScanResult {
  if (bytes.byteLength < walMagic.byteLength || !bytes.subarray(0, walMagic.byteLength).equals(walMagic)) {
    // A segment is created under a temporary name and renamed only once its header is durable.
    throw corrupt('the segment does not start with the write-ahead-log magic');
  }
  const records: WalRecord[] = [];
  let offset = walMagic.byteLength;
  while (offset < bytes.byteLength) {
    const problem = recordProblemAt(bytes, offset);
    if (problem !== null) {
      if (problem.torn || onlyZerosFrom(bytes, offset)) {
        return { records, validBytes: offset, tornBytes: bytes.byteLength - offset };
      }
      throw corrupt(`the record at byte ${offset} ${problem.reason}`);
    }
    const length = bytes.readUInt32LE(offset);
    if (treatFinalRecordAsTorn && offset + recordHeaderBytes + length === bytes.byteLength) {
      return { records, validBytes: offset, tornBytes: bytes.byteLength - offset };
    }
    const payload = bytes.subarray(offset + recordHeaderBytes, offset + recordHeaderBytes + length);
    records.push(
      decodePayload(payload, decoder, (reason) => corrupt(`the record at byte ${offset} ${reason}`)),
    );
    offset += recordHeaderBytes + length;
  }
  return { records, validBytes: offset, tornBytes: 0 };
}

/** What is wrong with the record at `offset`, and whether only a cut-short final append explains it. */
function recordProblemAt(bytes: Buffer, offset: number): { reason: string; torn: boolean } | null {
  if (offset + recordHeaderBytes > bytes.byteLength) return { reason: 'has a truncated header', torn: true };
  if (crc32(bytes.subarray(offset, offset + 8)) !== bytes.readUInt32LE(offset + 8)) {
    return { reason: 'has a damaged header', torn: false };
  }
  const length = bytes.readUInt32LE(offset);
  const end = offset + recordHeaderBytes + length;
  if (length === 0) return { reason: 'is empty', torn: false };
  if (end > bytes.byteLength) return { reason: 'is truncated', torn: true };
  const payload = bytes.subarray(offset + recordHeaderBytes, end);
  if (crc32(payload) !== bytes.readUInt32LE(offset + 4)) {
    if (end < bytes.byteLength) return { reason: 'fails its checksum, and data follows it', torn: false };
    // At the file end: the header was written but the payload's space never was (all zero; a valid
    // payload never is, it starts with a non-zero kind), or a full-length record was damaged.
    return onlyZerosFrom(payload, 0)
      ? { reason: 'has a zero-filled payload', torn: true }
      : { reason: 'is complete but fails its checksum (damage, not an append cut short)', torn: false };
  }
  return null;
}

function onlyZerosFrom(bytes: Buffer, offset: number): boolean {
  for (let index = offset; index < bytes.byteLength; index++) if (bytes[index] !== 0) return false;
  return true;
}

function decodePayload(
  payload: Buffer,
  decoder: RecordDecoder,
  corrupt: (reason: string) => Error,
): WalRecord {
  const body = payload.subarray(1);
  switch (payload[0]) {
    case kindCodes.reset:
      return { kind: 'reset', point: decoder.snapshotMetadata(body) };
    case kindCodes.compaction:
      return { kind: 'compaction', point: decoder.snapshotMetadata(body) };
    case kindCodes.hardState:
      return { kind: 'hardState', hardState: decoder.hardState(body) };
    case kindCodes.entries:
      return { kind: 'entries', entries: decodeEntries(body, decoder, corrupt) };
    default:
      throw corrupt(`has unknown kind ${payload[0]}`);
  }
}

function decodeEntries(body: Buffer, decoder: RecordDecoder, corrupt: (reason: string) => Error): Entry[] {
  if (body.byteLength < 4) throw corrupt('holds a truncated entry count');
  const count = body.readUInt32LE(0);
  const entries: Entry[] = [];
  let offset = 4;
  for (let index = 0; index < count; index++) {
    if (offset + 4 > body.byteLength) throw corrupt(`ends inside entry ${index} of ${count}`);
    const length = body.readUInt32LE(offset);
    if (offset + 4 + length > body.byteLength) throw corrupt(`ends inside entry ${index} of ${count}`);
    // A copy: decoded command data is a view, and must not pin the whole segment in memory.
    entries.push(decoder.entry(Buffer.from(body.subarray(offset + 4, offset + 4 + length))));
    offset += 4 + length;
  }
  if (offset !== body.byteLength) throw corrupt('holds bytes after its last entry');
  return entries;
}
