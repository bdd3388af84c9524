// The source fingerprint notices an edited, added or removed source file between two readings.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedSources, fingerprintSources } from '../src/source-fingerprint.js';

describe('source fingerprint', () => {
  it('lists the files edited, added or removed since the first reading', () => {
    const root = mkdtempSync(join(tmpdir(), 'raftkv-fingerprint-'));
    try {
      mkdirSync(join(root, 'apps/node/src'), { recursive: true });
      mkdirSync(join(root, 'packages/kv/src/internal'), { recursive: true });
      writeFileSync(join(root, 'apps/node/src/main.ts'), 'a');
      writeFileSync(join(root, 'packages/kv/src/internal/table.ts'), 'b');
      writeFileSync(join(root, 'packages/kv/src/gone.ts'), 'c');
      const before = fingerprintSources(root);
      expect(changedSources(before, fingerprintSources(root))).toEqual([]);
      writeFileSync(join(root, 'packages/kv/src/internal/table.ts'), 'bb');
      utimesSync(join(root, 'packages/kv/src/internal/table.ts'), 1, 1);
      writeFileSync(join(root, 'packages/kv/src/new.ts'), 'd');
      rmSync(join(root, 'packages/kv/src/gone.ts'));
      expect(changedSources(before, fingerprintSources(root))).toEqual([
        'packages/kv/src/gone.ts',
        'packages/kv/src/internal/table.ts',
        'packages/kv/src/new.ts',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
