// The member's own no-space alarm (the cluster records it as etcd's NOSPACE: alarm-reporter.ts):
// which storage failures raise it, what it reports, and the probe that tells when the data
// directory's file system takes writes again.
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeAlarm } from '@raftkv/protocol';
import { StorageFullError } from '@raftkv/storage';

/** The alarm as /status, /health, /metrics and the client protocol report it; `message` is the storage layer's own words. */
export type NoSpaceAlarm = NodeAlarm;

/** How often a member in the disk-full alarm tries a probe write. */
export const noSpaceProbeIntervalMs = 1000;
/**
 * The probe writes and syncs this much: room for more than one small write, so a member does not
 * restart into a disk with a few bytes free only to raise the alarm again at its first append.
 */
export const noSpaceProbeBytes = 4 * 1024 * 1024;
const probeFileName = 'no-space-probe';

/** The alarm a storage failure raises, or null for a failure that must crash-stop the member. */
export function noSpaceAlarmFor(error: unknown, now: Date): NoSpaceAlarm | null {
  if (!(error instanceof StorageFullError)) return null;
  if (error.reason !== 'disk-full' && error.reason !== 'map-full') return null;
  return { alarm: 'no-space', reason: error.reason, since: now.toISOString(), message: error.message };
}

/**
 * Whether `dataDir`'s file system takes `bytes` more, written and fsynced: writes a probe file and
 * removes it again either way. Any failure (ENOSPC or another) answers false.
 */
export function probeSpace(dataDir: string, bytes = noSpaceProbeBytes): boolean {
  const path = join(dataDir, probeFileName);
  let descriptor: number | null = null;
  try {
    descriptor = openSync(path, 'w');
    const chunk = Buffer.alloc(Math.min(bytes, 64 * 1024));
    for (let written = 0; written < bytes; ) {
      written += writeSync(descriptor, chunk, 0, Math.min(chunk.length, bytes - written));
    }
    fsyncSync(descriptor);
    return true;
  } catch {
    return false;
  } finally {
    if (descriptor !== null) closeSync(descriptor);
    rmSync(path, { force: true });
  }
}
