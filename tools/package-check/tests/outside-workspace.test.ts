// The library packages from outside the workspace (issue 15, point 4): pack each one, install the
// tarballs into a directory outside the repository (no workspace, no links), type-check a consumer
// against the published types, and run it: every README's example, and a three-member cluster of the
// installed packages, and the lock service (apps/lock-service) compiled against them as three processes.
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { libraryPackages, type PackResult, readmeExample, tarballProblems } from '../src/packed-packages.js';

const workspaceRoot = resolve(import.meta.dirname, '../../..');
const libraries = libraryPackages(workspaceRoot);
const rootManifest = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'raftkv-outside-'));
const app = join(scratch, 'app');
/** README examples that need a running raftkv cluster: type-checked, not run. */
const examplesNeedingACluster = new Set(['@raftkv/client']);

function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${[command, ...args].join(' ')} failed in ${cwd}\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

let packed: PackResult[] = [];

beforeAll(() => {
  // One `npm pack` for all of them; dist/ comes from the build this project's test depends on.
  const workspaces = libraries.flatMap((library) => [
    '--workspace',
    relative(workspaceRoot, library.directory),
  ]);
  packed = JSON.parse(
    run('npm', ['pack', '--json', '--pack-destination', scratch, ...workspaces], workspaceRoot, 120_000),
  );
  cpSync(join(import.meta.dirname, '../consumer'), app, {
    recursive: true,
    filter: (source) => !source.includes('node_modules') && !source.includes(`${join('consumer', 'dist')}`),
  });
  // The lock service's sources, compiled against the installed packages like a user's own service.
  cpSync(join(workspaceRoot, 'apps/lock-service/src'), join(app, 'src', 'lock-service'), { recursive: true });
  // Each README's example becomes a file of the consumer, so it is compiled against the published
  // types and run like the rest.
  for (const library of libraries) {
    const example = readmeExample(readFileSync(join(library.directory, 'README.md'), 'utf8'));
    if (example !== null)
      writeFileSync(join(app, 'src', `readme-${basename(library.directory)}.ts`), example);
  }
  const dependencies = Object.fromEntries(
    packed.map((result) => [result.name, `file:../${result.filename}`]),
  );
  const devDependencies = {
    typescript: rootManifest.devDependencies.typescript,
    '@types/node': rootManifest.devDependencies['@types/node'],
  };
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'raftkv-consumer', private: true, type: 'module', dependencies, devDependencies }, null, 2)}\n`,
  );
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('the library packages outside the workspace', () => {
  test('the scratch directory is outside the repository', () => {
    expect(relative(workspaceRoot, scratch).startsWith('..')).toBe(true);
  });

  test('npm pack makes one tarball per library package, holding its README, types and nothing else', () => {
    expect(packed.map((result) => result.name).sort()).toEqual(
      libraries.map((library) => library.name).sort(),
    );
    expect(libraries.length).toBeGreaterThanOrEqual(8);
    const problems = Object.fromEntries(
      packed.map((result) => [result.name, tarballProblems(result.files.map((file) => file.path))]),
    );
    expect(problems).toEqual(Object.fromEntries(packed.map((result) => [result.name, []])));
  });

  test('every library README has an example to compile and run', () => {
    const missing = libraries
      .filter((library) => readmeExample(readFileSync(join(library.directory, 'README.md'), 'utf8')) === null)
      .map((library) => library.name);
    expect(missing).toEqual([]);
  });

  test('the tarballs install without the workspace, type-check a consumer and run the examples, a cluster and the lock service', () => {
    // Native modules build here as they would for a user; the npm cache serves what it holds.
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock'], app, 420_000);
    for (const library of libraries) {
      const installed = join(app, 'node_modules', library.name);
      expect(lstatSync(installed).isSymbolicLink(), `${library.name} is a copy, not a link`).toBe(false);
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
      expect(manifest.version).toBe(library.version);
    }
    run(join(app, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], app, 120_000);

    const api = run(process.execPath, ['dist/public-api.js'], app, 120_000);
    expect(JSON.parse(api.trim().split('\n').at(-1)!)).toEqual({ ok: true });

    for (const library of libraries) {
      if (examplesNeedingACluster.has(library.name)) continue;
      // Throws (failing the test) if the example exits non-zero or outlives its bound.
      run(process.execPath, [`dist/readme-${basename(library.directory)}.js`], app, 120_000);
    }

    const cluster = run(process.execPath, ['dist/cluster-smoke.js'], app, 120_000);
    const outcome = JSON.parse(cluster.trim().split('\n').at(-1)!);
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.secondLeader).not.toBe(outcome.firstLeader);

    const locks = JSON.parse(
      run(process.execPath, ['dist/lock-service-smoke.js'], app, 120_000).trim().split('\n').at(-1)!,
    );
    expect(locks).toMatchObject({ ok: true, holder: 'alice' });
    expect(locks.secondLeader).not.toBe(locks.firstLeader);
  });
});
