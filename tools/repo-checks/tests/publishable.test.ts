// Every library package under packages/ can be published as it stands (issue 15, point 1).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type PackageManifest, packageNameOf, publishabilityViolations } from '../src/publishable.js';
import { importsOf, listTypeScriptFiles, readSourceFile } from '../src/source-files.js';

const workspaceRoot = resolve(import.meta.dirname, '../../..');

/**
 * The packages under packages/ that stay private, tooling of this repository rather than libraries:
 * @raftkv/testkit starts raftkvd from this workspace's sources (it resolves the workspace root);
 * @raftkv/link-proxy (the per-link fault proxies) and @raftkv/timeline (the run and dashboard
 * drawing) serve the chaos runs and the local cluster's dashboard only.
 */
const workspaceOnly = new Set(['@raftkv/testkit', '@raftkv/link-proxy', '@raftkv/timeline']);

const libraries = readdirSync(join(workspaceRoot, 'packages'))
  .map((name) => join(workspaceRoot, 'packages', name))
  .filter((directory) => existsSync(join(directory, 'package.json')))
  .map((directory) => ({
    directory,
    manifest: JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as PackageManifest,
  }))
  .filter(({ manifest }) => !workspaceOnly.has(manifest.name));

const rootVersion = libraries.find(({ manifest }) => manifest.name === '@raftkv/raft')?.manifest.version;

describe('publishable library packages', () => {
  test('the library packages are found and share one version', () => {
    expect(libraries.length).toBeGreaterThanOrEqual(8);
    expect(new Set(libraries.map(({ manifest }) => manifest.version))).toEqual(new Set([rootVersion]));
  });

  for (const { directory, manifest } of libraries) {
    test(`${manifest.name} is publishable as it stands`, () => {
      const sources = listTypeScriptFiles(join(directory, 'src')).map((path) =>
        readSourceFile(path, workspaceRoot),
      );
      const readmePath = join(directory, 'README.md');
      const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : null;
      expect(publishabilityViolations(manifest, sources, readme, rootVersion!)).toEqual([]);
    });
  }

  test('the workspace-only packages stay private', () => {
    for (const directory of ['testkit', 'link-proxy', 'timeline']) {
      const manifest = JSON.parse(
        readFileSync(join(workspaceRoot, 'packages', directory, 'package.json'), 'utf8'),
      );
      expect(manifest.private, directory).toBe(true);
    }
  });

  test('catches an undeclared import, a loose range, an unused dependency, a private flag, missing types', () => {
    const manifest: PackageManifest = {
      name: '@x/a',
      version: '1.0.0',
      private: true,
      engines: { node: '>=20' },
      files: ['dist'],
      exports: { '.': { default: './dist/index.js' } },
      dependencies: { '@x/b': '*', zod: '^4.0.0', unused: '1.0.0' },
    };
    const sources = [
      {
        path: 'src/index.ts',
        code: '',
        imports: importsOf(
          "import { z } from 'zod';\nimport { b } from '@x/b/sub';\nimport m from 'msgpackr';",
        ),
      },
    ];
    const rules = publishabilityViolations(manifest, sources, '# a\n## API\n', '1.0.0').map((v) => v.rule);
    expect(rules).toEqual([
      'is private',
      'exports["."] has no types beside its default',
      'dependency @x/b@* is not an exact version',
      'dependency @x/b@* is not the workspace version 1.0.0',
      'dependency zod@^4.0.0 is not an exact version',
      'imports msgpackr without declaring msgpackr',
      'declares unused, which its sources never import',
      'README has no Example section',
    ]);
  });

  test('node built-ins and relative imports are not dependencies', () => {
    expect(packageNameOf('node:fs')).toBeNull();
    expect(packageNameOf('fs')).toBeNull();
    expect(packageNameOf('./a.js')).toBeNull();
    expect(packageNameOf('@raftkv/wal/errors')).toBe('@raftkv/wal');
    expect(packageNameOf('zod/v4')).toBe('zod');
  });
});
