// The library packages as npm packs them: which ones, the tarball file list `npm pack --json` prints,
// and what a tarball may hold (its README, package.json and dist/ without source maps). Reads only.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LibraryPackage {
  readonly name: string;
  readonly version: string;
  readonly directory: string;
}

/** Every package under packages/ that is not private: the ones a user installs. */
export function libraryPackages(workspaceRoot: string): LibraryPackage[] {
  return readdirSync(join(workspaceRoot, 'packages'))
    .sort()
    .map((name) => join(workspaceRoot, 'packages', name))
    .map((directory) => ({
      directory,
      manifest: JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')),
    }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ directory, manifest }) => ({ name: manifest.name, version: manifest.version, directory }));
}

/** One entry of `npm pack --json`'s output. */
export interface PackResult {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

/** Why a tarball's file list is wrong: missing essentials, or anything beyond README, manifest and dist. */
export function tarballProblems(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const required of ['README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']) {
    if (!files.includes(required)) problems.push(`lacks ${required}`);
  }
  for (const file of files) {
    const allowed =
      file === 'README.md' ||
      file === 'package.json' ||
      (file.startsWith('dist/') && (file.endsWith('.js') || file.endsWith('.d.ts')));
    if (!allowed) problems.push(`holds ${file}`);
  }
  return problems;
}

/** The first ```ts block under a README's "Example" heading (## or ###): the example a user copies. */
export function readmeExample(readme: string): string | null {
  const heading = /^#{2,3} .*Example.*$/m.exec(readme);
  if (heading === null) return null;
  const start = readme.indexOf('```ts\n', heading.index + heading[0].length);
  if (start < 0) return null;
  const end = readme.indexOf('\n```', start + '```ts\n'.length);
  return end < 0 ? null : `${readme.slice(start + '```ts\n'.length, end)}\n`;
}
