// The records this package adds to those of the write-ahead log (KV store metadata, format version),
// built on @raftkv/wal's record codec so both packages share one msgpack layout and one validation.
// The decoder also reads the log records of an LMDB log from before the write-ahead log (log entries,
// hard state, compaction point; read once to migrate, never written) with the inherited decoders.

import type { StoreMetadata } from '@raftkv/kv';
import { configurationFields, encodeRecord, RecordDecoder } from '@raftkv/wal/record-codec';

export const encodeFormatVersion = (version: number): Buffer => encodeRecord(version);

export const encodeStoreMetadata = (metadata: StoreMetadata): Buffer =>
  encodeRecord([
    metadata.appliedIndex,
    metadata.appliedTerm,
    metadata.configuration === null ? null : configurationFields(metadata.configuration),
  ]);

/** The write-ahead log's RecordDecoder plus this package's own records. */
export class StoreRecordDecoder extends RecordDecoder {
  formatVersion(payload: Buffer): number {
    return this.count(this.unpack(payload), 'version');
  }

  storeMetadata(payload: Buffer): StoreMetadata {
    const fields = this.fields(this.unpack(payload), 3);
    return {
      appliedIndex: this.count(fields[0], 'appliedIndex'),
      appliedTerm: this.count(fields[1], 'appliedTerm'),
      configuration: fields[2] === null ? null : this.configuration(fields[2]),
    };
  }
}
