// Every storage failure raftkvd reports names the file, keeps the storage layer's reason, and says
// what the operator does next; damaged data points at the rebuild procedure, never at a repair.
import {
  StorageCorruptionError,
  StorageError,
  StorageFormatVersionError,
  StorageFullError,
} from '@raftkv/storage';
import { describe, expect, it } from 'vitest';
import { rebuildGuide, storageFailureMessage } from '../src/storage-advice.js';

const context = { id: 'n3', dataDir: '/srv/raftkv/n3', mapSizeMb: 512 };
const segment = '/srv/raftkv/n3/wal/0000000000000001.wal';

describe('storageFailureMessage', () => {
  it('a damaged log: the file and reason first, then remove, move aside, rejoin under the same id', () => {
    const error = new StorageCorruptionError(
      segment,
      'write-ahead log: the record at byte 96 fails its checksum',
    );

    const [first, advice] = storageFailureMessage(error, context).split('\n');

    expect(first).toBe(`${segment}: write-ahead log: the record at byte 96 fails its checksum`);
    expect(advice).toContain("n3's data in /srv/raftkv/n3 is damaged; raftkvd does not repair it");
    expect(advice).toContain('raftkv members remove n3');
    expect(advice).toContain('move /srv/raftkv/n3 aside');
    expect(advice).toContain('under the same --id with an empty --data-dir and --join');
    expect(advice).toContain(rebuildGuide);
  });

  it('without a known id it speaks of "this member"', () => {
    const error = new StorageCorruptionError(segment, 'bad');
    expect(storageFailureMessage(error, { ...context, id: null })).toContain(
      "this member's data in /srv/raftkv/n3 is damaged",
    );
  });

  it('an unknown format version: run a build that reads it, or rebuild', () => {
    const message = storageFailureMessage(
      new StorageFormatVersionError('/srv/raftkv/n3/data.mdb', 9, 2),
      context,
    );
    expect(message).toContain('format version 9 is not supported');
    expect(message).toContain('run a raftkvd build that reads format version 9 on /srv/raftkv/n3');
    expect(message).toContain(rebuildGuide);
  });

  it('a full map asks for a larger --map-size-mb, naming the current one; a full disk asks for space', () => {
    const mapFull = new StorageFullError('/srv/raftkv/n3/data.mdb', 'persist', 'map-full', 512 * 1024 * 1024);
    const diskFull = new StorageFullError(segment, 'append', 'disk-full', 0);
    const transactionFull = new StorageFullError('/srv/raftkv/n3/data.mdb', 'apply', 'transaction-full', 0);

    expect(storageFailureMessage(mapFull, context)).toContain('a larger --map-size-mb (now 512)');
    expect(storageFailureMessage(diskFull, context)).toContain(
      'free space on the disk holding /srv/raftkv/n3',
    );
    expect(storageFailureMessage(transactionFull, context)).toContain('the data in /srv/raftkv/n3 is intact');
    for (const error of [mapFull, diskFull, transactionFull])
      expect(storageFailureMessage(error, context)).not.toContain(rebuildGuide);
  });

  it('any other storage error: check the file system, and the guide if data is damaged', () => {
    const message = storageFailureMessage(
      new StorageError('/srv/raftkv/n3/data.mdb', 'cannot open: EACCES'),
      context,
    );
    expect(message).toContain('/srv/raftkv/n3/data.mdb: cannot open: EACCES');
    expect(message).toContain('healthy, writable file system');
  });
});
