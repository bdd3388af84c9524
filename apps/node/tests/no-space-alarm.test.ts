// The no-space alarm's pieces: which storage failures raise it, and the probe write on a real
// directory (a full file system is exercised for real in tools/e2e full-disk.test.ts).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError, StorageFullError } from '@raftkv/storage';
import { afterEach, describe, expect, test } from 'vitest';
import { noSpaceAlarmFor, probeSpace } from '../src/no-space-alarm.js';

const now = new Date('2026-01-01T00:00:00.000Z');
let directory: string | null = null;

afterEach(() => {
  if (directory !== null) rmSync(directory, { recursive: true, force: true });
  directory = null;
});

describe('noSpaceAlarmFor', () => {
  test("a full disk or a full LMDB map raises the alarm with the storage layer's words", () => {
    for (const reason of ['disk-full', 'map-full'] as const) {
      const error = new StorageFullError('/d/wal/1.wal', 'persist', reason, 1024);
      expect(noSpaceAlarmFor(error, now)).toEqual({
        alarm: 'no-space',
        reason,
        since: '2026-01-01T00:00:00.000Z',
        message: error.message,
      });
    }
  });

  test('a transaction too large for LMDB, other storage errors and anything else crash-stop instead', () => {
    expect(noSpaceAlarmFor(new StorageFullError('/d/data.mdb', 'apply', 'transaction-full', 1024), now)).toBe(
      null,
    );
    expect(noSpaceAlarmFor(new StorageError('/d/data.mdb', 'EIO'), now)).toBe(null);
    expect(noSpaceAlarmFor(new Error('assertion'), now)).toBe(null);
  });
});

describe('probeSpace', () => {
  test('writes, syncs and removes its probe file on a directory with space', () => {
    directory = mkdtempSync(join(tmpdir(), 'raftkv-probe-'));
    expect(probeSpace(directory, 100_000)).toBe(true);
    expect(readdirSync(directory)).toEqual([]);
  });

  test('answers false when the directory cannot take the write', () => {
    expect(probeSpace(join(tmpdir(), 'raftkv-probe-missing', 'nested'), 1000)).toBe(false);
  });
});
