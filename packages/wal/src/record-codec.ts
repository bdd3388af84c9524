// Encodes and decodes the values inside write-ahead-log records (log entries, hard state, compaction
// point) as msgpack arrays with a fixed layout. Decoding validates the shape and throws
// StorageCorruptionError naming the record; it never returns a half-valid value. @raftkv/storage
// builds its own records (KV store metadata, format version) on these primitives through the
// '@raftkv/wal/record-codec' subpath, so both packages write one encoding.

import type { Configuration, Entry, HardState, Member, SnapshotMetadata } from '@raftkv/raft';
import { nodeId } from '@raftkv/raft';
import { Packr } from 'msgpackr';
import { StorageCorruptionError } from './errors.js';

/** One fixed configuration: no record structures, so the bytes depend only on the values. */
const packr = new Packr({ useRecords: false, mapsAsObjects: false, variableMapSize: true });

const commandKind = 0;
const configurationKind = 1;

export type Encoded = unknown[];

/** Packs one record value (a field list, or a bare number such as a format version). */
export function encodeRecord(record: Encoded | number): Buffer {
  return packr.pack(record);
}

export const encodeHardState = (hardState: HardState): Buffer =>
  encodeRecord([hardState.term, hardState.votedFor, hardState.commitIndex]);

export const encodeSnapshotMetadata = (metadata: SnapshotMetadata): Buffer =>
  encodeRecord([metadata.index, metadata.term, configurationFields(metadata.configuration)]);

export function encodeEntry(entry: Entry): Buffer {
  return entry.kind === 'command'
    ? encodeRecord([entry.index, entry.term, commandKind, entry.data])
    : encodeRecord([entry.index, entry.term, configurationKind, configurationFields(entry.configuration)]);
}

export function configurationFields(configuration: Configuration): Encoded {
  return configuration.members.map((member) => [member.id, member.role, member.address]);
}

/** Decodes one record, reporting any mismatch as corruption of `what` in `file`. */
export class RecordDecoder {
  constructor(
    protected readonly file: string,
    protected readonly what: string,
  ) {}

  hardState(payload: Buffer): HardState {
    const fields = this.fields(this.unpack(payload), 3);
    const votedFor = fields[1];
    if (votedFor !== null) this.check(typeof votedFor === 'string', 'votedFor is not a string or null');
    return {
      term: this.count(fields[0], 'term'),
      votedFor: votedFor === null ? null : nodeId(votedFor as string),
      commitIndex: this.count(fields[2], 'commitIndex'),
    };
  }

  snapshotMetadata(payload: Buffer): SnapshotMetadata {
    const fields = this.fields(this.unpack(payload), 3);
    return {
      index: this.count(fields[0], 'index'),
      term: this.count(fields[1], 'term'),
      configuration: this.configuration(fields[2]),
    };
  }

  entry(payload: Buffer): Entry {
    const fields = this.fields(this.unpack(payload), 4);
    const index = this.count(fields[0], 'index');
    const term = this.count(fields[1], 'term');
    if (fields[2] === commandKind) {
      const data = fields[3];
      this.check(data instanceof Uint8Array, 'command data is not bytes');
      const bytes = data as Uint8Array;
      return {
        index,
        term,
        kind: 'command',
        data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      };
    }
    this.check(fields[2] === configurationKind, `unknown entry kind ${String(fields[2])}`);
    return { index, term, kind: 'configuration', configuration: this.configuration(fields[3]) };
  }

  protected configuration(value: unknown): Configuration {
    this.check(Array.isArray(value), 'configuration is not a list');
    const members = (value as unknown[]).map((memberFields): Member => {
      const [id, role, address] = this.fields(memberFields, 3);
      this.check(typeof id === 'string' && typeof address === 'string', 'member id/address is not a string');
      this.check(role === 'voter' || role === 'learner', `unknown member role ${String(role)}`);
      return { id: nodeId(id as string), role: role as Member['role'], address: address as string };
    });
    return { members };
  }

  protected unpack(payload: Buffer): unknown {
    try {
      return packr.unpack(payload);
    } catch (error) {
      throw new StorageCorruptionError(this.file, `${this.what} does not decode`, { cause: error });
    }
  }

  protected fields(value: unknown, length: number): unknown[] {
    this.check(Array.isArray(value) && value.length === length, `expected a list of ${length} fields`);
    return value as unknown[];
  }

  protected count(value: unknown, field: string): number {
    this.check(
      typeof value === 'number' && Number.isSafeInteger(value) && value >= 0,
      `${field} is not a non-negative integer`,
    );
    return value as number;
  }

  protected check(condition: boolean, detail: string): void {
    if (!condition) throw new StorageCorruptionError(this.file, `${this.what} is malformed: ${detail}`);
  }
}
