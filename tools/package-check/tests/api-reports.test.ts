// Every published entry point's API matches its checked-in report (issue 15): a public signature that
// changes without its report failing here. Update with `npm run api-reports -w @raftkv/package-check`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type ApiEntryPoint, apiEntryPoints, runApiReport } from '../src/api-reports.js';
import { libraryPackages } from '../src/packed-packages.js';

const workspaceRoot = resolve(import.meta.dirname, '../../..');
const entries = libraryPackages(workspaceRoot).flatMap((library) =>
  apiEntryPoints(library, JSON.parse(readFileSync(join(library.directory, 'package.json'), 'utf8')).exports),
);

describe('API reports', () => {
  test('every library package has its entry points found', () => {
    expect(new Set(entries.map((entry) => entry.packageName)).size).toBeGreaterThanOrEqual(8);
    expect(entries.map((entry) => entry.reportFileName)).toContain('raft-testing.api.md');
  });

  for (const entry of entries) {
    test(`${entry.packageName}${entry.subpath === '.' ? '' : entry.subpath.slice(1)} matches api/${entry.reportFileName}`, () => {
      const outcome = runApiReport(entry, false);
      expect(outcome.errors).toEqual([]);
      expect(
        outcome.changed,
        `the public API of ${entry.packageName} (${entry.subpath}) changed: if intended, run ` +
          '`npm run build && npm run api-reports -w @raftkv/package-check` and commit the report',
      ).toBe(false);
    });
  }

  test('a changed public signature is caught, and an update makes the check pass again', () => {
    const directory = mkdtempSync(join(tmpdir(), 'raftkv-api-check-'));
    try {
      mkdirSync(join(directory, 'dist'));
      writeFileSync(
        join(directory, 'package.json'),
        JSON.stringify({ name: '@example/lib', version: '1.0.0' }),
      );
      const declarations = join(directory, 'dist', 'index.d.ts');
      const entry: ApiEntryPoint = {
        packageName: '@example/lib',
        directory,
        subpath: '.',
        typesFile: declarations,
        reportFileName: 'lib.api.md',
      };
      writeFileSync(declarations, 'export declare function lookup(key: string): number;\n');
      expect(runApiReport(entry, true).errors).toEqual([]);
      expect(runApiReport(entry, false).changed).toBe(false);

      writeFileSync(declarations, 'export declare function lookup(key: string, fallback: number): number;\n');
      expect(runApiReport(entry, false).changed).toBe(true);
      expect(readFileSync(join(directory, 'api', 'lib.api.md'), 'utf8')).toContain(
        'lookup(key: string): number',
      );

      expect(runApiReport(entry, true).changed).toBe(true);
      expect(runApiReport(entry, false).changed).toBe(false);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
