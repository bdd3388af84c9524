// Test support: fresh directories under the OS temp dir, removed by the caller. Never reuses a path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makeTemporaryDirectory(label: string): string {
  return mkdtempSync(join(tmpdir(), `raftkv-wal-${label}-`));
}

export function removeDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
}
