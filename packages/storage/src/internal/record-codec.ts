// Encodes and decodes the records this package stores (KV store metadata, format version) as msgpack
// arrays with a fixed layout, and decodes those of an LMDB log from before the write-ahead log (log
// entries, hard state, compaction point; read once to migrate, never written). Decoding validates
// the shape and throws StorageCorruptionError naming the record; it never returns a half-valid value.

import type { StoreMetadata } from '@raftkv/kv';
import type { Configuration, Entry, HardState, Member, SnapshotMetadata } from '@raftkv/raft';
import { nodeId } from '@raftkv/raft';
import { StorageCorruptionError } from '@raftkv/wal';
import { Packr } from 'msgpackr';

/** One fixed configuration: no record structures, so the bytes depend only on the values. */
const packr = new Packr({ useRecords: false, mapsAsObjects: false, variableMapSize: true });

const commandKind = 0;
const configurationKind = 1;

type Encoded = unknown[];

function encodeRecord(record: Encoded | number): Buffer {
  return packr.pack(record);
}

export const encodeFormatVersion = (version: number): Buffer => encodeRecord(version);

export const encodeStoreMetadata = (metadata: StoreMetadata): Buffer =>
  encodeRecord([
    metadata.appliedIndex,
    metadata.appliedTerm,
    metadata.configuration === null ? null : configurationFields(metadata.configuration),
  ]);

function configurationFields(configuration: Configuration): Encoded {
  return configuration.members.map((member) => [member.id, member.role, member.address]);
}

/** Decodes one record, reporting any mismatch as corruption of `what` in `file`. */
export class RecordDecoder {
  constructor(
    private readonly file: string,
    private readonly what: string,
  ) {}

  formatVersion(payload: Buffer): number {
    return this.count(this.unpack(payload), 'version');
  }

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

  storeMetadata(payload: Buffer): StoreMetadata {
    const fields = this.fields(this.unpack(payload), 3);
    return {
      appliedIndex: this.count(fields[0], 'appliedIndex'),
      appliedTerm: this.count(fields[1], 'appliedTerm'),
      configuration: fields[2] === null ? null : this.configuration(fields[2]),
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

  private configuration(value: unknown): Configuration {
    this.check(Array.isArray(value), 'configuration is not a list');
    const members = (value as unknown[]).map((memberFields): Member => {
      const [id, role, address] = this.fields(memberFields, 3);
      this.check(typeof id === 'string' && typeof address === 'string', 'member id/address is not a string');
      this.check(role === 'voter' || role === 'learner', `unknown member role ${String(role)}`);
      return { id: nodeId(id as string), role: role as Member['role'], address: address as string };
    });
    return { members };
  }

  private unpack(payload: Buffer): unknown {
    try {
      return packr.unpack(payload);
    } catch (error) {
      throw new StorageCorruptionError(this.file, `${this.what} does not decode`, { cause: error });
    }
  }

  private fields(value: unknown, length: number): unknown[] {
    this.check(Array.isArray(value) && value.length === length, `expected a list of ${length} fields`);
    return value as unknown[];
  }

  private count(value: unknown, field: string): number {
    this.check(
      typeof value === 'number' && Number.isSafeInteger(value) && value >= 0,
      `${field} is not a non-negative integer`,
    );
    return value as number;
  }

  private check(condition: boolean, detail: string): void {
    if (!condition) throw new StorageCorruptionError(this.file, `${this.what} is malformed: ${detail}`);
  }
}
