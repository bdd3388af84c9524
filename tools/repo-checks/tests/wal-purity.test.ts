// The write-ahead log stays runnable by the deterministic simulator: every module of packages/wal/src
// but node-file-system.ts keeps the core's purity rule (no I/O, clock, timers, async, ambient
// randomness). Two node: imports are allowed because they are pure computation on bytes and strings:
// node:path (joining segment names) and node:zlib (its crc32).
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { purityViolations } from '../src/purity.js';
import { listTypeScriptFiles, readSourceFile } from '../src/source-files.js';

const workspaceRoot = resolve(import.meta.dirname, '../../..');
const walSource = join(workspaceRoot, 'packages/wal/src');
/** The one module that implements the FileSystem port on node:fs. */
const nodeFileSystemModule = 'packages/wal/src/node-file-system.ts';
const pureComputationImports = new Set(['imports node:path', 'imports node:zlib']);

describe('write-ahead log purity', () => {
  const files = listTypeScriptFiles(walSource).map((path) => readSourceFile(path, workspaceRoot));

  test('only node-file-system.ts touches the file system; the rest is pure but for node:path and node:zlib', () => {
    const portable = files.filter((file) => file.path !== nodeFileSystemModule);
    expect(portable.length).toBeGreaterThan(3);
    expect(files.length, `${nodeFileSystemModule} exists`).toBe(portable.length + 1);
    const violations = purityViolations(portable).filter(
      (violation) => !pureComputationImports.has(violation.rule),
    );
    expect(violations).toEqual([]);
  });

  test('node-file-system.ts is caught by the same rule (the check can fail)', () => {
    const nodeFileSystem = files.filter((file) => file.path === nodeFileSystemModule);
    expect(purityViolations(nodeFileSystem).map((violation) => violation.rule)).toContain('imports node:fs');
  });
});
