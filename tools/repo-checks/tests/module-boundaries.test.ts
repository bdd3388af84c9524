// Workspace projects import only what their kind allows (DESIGN.md "Dependency direction").
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { boundaryViolations, type Project, type ProjectKind } from '../src/module-boundaries.js';
import { importsOf, listTypeScriptFiles, readSourceFile } from '../src/source-files.js';

const workspaceRoot = resolve(import.meta.dirname, '../../..');

interface WorkspaceProject extends Project {
  readonly directory: string;
}

function workspaceProjects(): WorkspaceProject[] {
  const projects: WorkspaceProject[] = [];
  for (const parent of ['packages', 'apps', 'tools']) {
    const parentPath = join(workspaceRoot, parent);
    if (!existsSync(parentPath)) continue;
    for (const name of readdirSync(parentPath)) {
      const manifestPath = join(parentPath, name, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      const tag: string | undefined = manifest.nx?.tags?.find((candidate: string) =>
        candidate.startsWith('kind:'),
      );
      projects.push({
        name: manifest.name,
        kind: (tag?.slice('kind:'.length) ?? 'untagged') as ProjectKind,
        directory: join(parentPath, name),
      });
    }
  }
  return projects;
}

const projects = workspaceProjects();
const byName = new Map(projects.map((project) => [project.name, project]));
const kinds = new Set<string>(['core', 'wire', 'adapter', 'client', 'test', 'app']);

describe('module boundaries', () => {
  test('every workspace project declares a known kind tag', () => {
    expect(projects.length).toBeGreaterThan(3);
    expect(projects.filter((project) => !kinds.has(project.kind)).map((project) => project.name)).toEqual([]);
  });

  for (const project of projects) {
    test(`${project.name} (${project.kind}) imports only allowed projects`, () => {
      const sources = ['src', 'tests', 'bench']
        .map((folder) => join(project.directory, folder))
        .filter((folder) => existsSync(folder))
        .flatMap((folder) => listTypeScriptFiles(folder))
        .map((path) => readSourceFile(path, workspaceRoot));
      expect(boundaryViolations(project, sources, byName)).toEqual([]);
    });
  }

  test('catches a core package importing an adapter, and an adapter importing another adapter', () => {
    const map = new Map<string, Project>([
      ['@x/core', { name: '@x/core', kind: 'core' }],
      ['@x/lmdb', { name: '@x/lmdb', kind: 'adapter' }],
      ['@x/zmq', { name: '@x/zmq', kind: 'adapter' }],
    ]);
    const file = (text: string) => [{ path: 'f.ts', code: '', imports: importsOf(text) }];
    expect(boundaryViolations(map.get('@x/core')!, file("import { a } from '@x/lmdb';"), map)).toHaveLength(
      1,
    );
    expect(boundaryViolations(map.get('@x/lmdb')!, file("import { a } from '@x/zmq';"), map)).toHaveLength(1);
    expect(boundaryViolations(map.get('@x/lmdb')!, file("import { a } from '@x/core';"), map)).toEqual([]);
  });

  test('a named exception admits exactly one adapter: the simulator may run the WAL, not LMDB', () => {
    const map = new Map<string, Project>([
      ['@raftkv/sim', { name: '@raftkv/sim', kind: 'test' }],
      ['@raftkv/wal', { name: '@raftkv/wal', kind: 'adapter' }],
      ['@raftkv/storage', { name: '@raftkv/storage', kind: 'adapter' }],
    ]);
    const file = (text: string) => [{ path: 'f.ts', code: '', imports: importsOf(text) }];
    const sim = map.get('@raftkv/sim')!;
    expect(boundaryViolations(sim, file("import { WalLogStorage } from '@raftkv/wal';"), map)).toEqual([]);
    expect(boundaryViolations(sim, file("import { a } from '@raftkv/storage';"), map)).toHaveLength(1);
  });

  test("a project's tests may use the test harness; its sources may not", () => {
    const map = new Map<string, Project>([
      ['@x/wire', { name: '@x/wire', kind: 'wire' }],
      ['@x/testkit', { name: '@x/testkit', kind: 'test' }],
    ]);
    const at = (path: string) => [
      { path, code: '', imports: importsOf("import { a } from '@x/testkit/fuzz';") },
    ];
    const wire = map.get('@x/wire')!;
    expect(boundaryViolations(wire, at('packages/wire/tests/decoders.fuzz.test.ts'), map)).toEqual([]);
    expect(boundaryViolations(wire, at('packages/wire/src/decoders.ts'), map)).toHaveLength(1);
    expect(boundaryViolations(wire, at('packages/wire/src/tests-helper.ts'), map)).toHaveLength(1);
  });
});
