// Small real file systems for the full-disk tests: a tmpfs of a few MiB mounted on a directory (the
// tests run as root; a mount that fails fails the test, it never skips), a filler file that takes
// every free byte, and unmounting. Every mount is remembered so cleanup can undo it even on failure.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const mounted = new Set<string>();

/** Mounts a tmpfs of `sizeMb` MiB on `directory` (created if missing); throws a clear error if it cannot. */
export function mountTmpfs(directory: string, sizeMb: number): void {
  mkdirSync(directory, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', directory], { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new Error(
      `cannot mount a ${sizeMb} MiB tmpfs on ${directory} (the full-disk tests need root and mount): ` +
        `${stderr || (error as Error).message}`,
    );
  }
  mounted.add(directory);
}

/** Unmounts `directory` if this module mounted it (lazily, so a file still open cannot block it). */
export function unmount(directory: string): void {
  if (!mounted.has(directory)) return;
  execFileSync('umount', ['--lazy', directory], { stdio: 'pipe' });
  mounted.delete(directory);
}

/** Free bytes on the file system holding `directory`. */
export function freeBytes(directory: string): number {
  const stats = statfsSync(directory);
  return stats.bavail * stats.bsize;
}

/**
 * Writes a filler file in `directory` until the file system refuses (ENOSPC): large chunks first,
 * then single pages, so not even a page is left. Returns the filler's path and size. Bounded: it
 * writes at most what statfs reported free, plus one refused write per chunk size.
 */
export function fillUp(directory: string): { readonly path: string; readonly bytes: number } {
  const path = join(directory, 'filler');
  const budget = freeBytes(directory) + 1024 * 1024;
  const descriptor = openSync(path, 'w');
  let bytes = 0;
  try {
    for (const chunkBytes of [256 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(chunkBytes, 0x5a);
      while (bytes < budget) {
        try {
          bytes += writeSync(descriptor, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(descriptor);
  }
  if (bytes >= budget) throw new Error(`${path}: wrote ${bytes} bytes and the file system is still not full`);
  return { path, bytes };
}

/** Deletes the filler: the space comes back at once. */
export function removeFiller(path: string): void {
  rmSync(path, { force: true });
}
