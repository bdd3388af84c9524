// The dependency direction between workspace projects (DESIGN.md "Dependency direction"): which
// kinds of project may import which. Reads package manifests and imports; never writes.

import type { Violation } from './purity.js';
import type { SourceFile } from './source-files.js';

export type ProjectKind = 'core' | 'wire' | 'adapter' | 'client' | 'test' | 'app';

/** Kinds a project of each kind may import; apps are never imported by anything. */
export const allowedImports: Readonly<Record<ProjectKind, readonly ProjectKind[]>> = {
  core: ['core'],
  wire: ['core'],
  adapter: ['core', 'wire'],
  client: ['core', 'wire', 'adapter'],
  test: ['core', 'wire'],
  app: ['core', 'wire', 'adapter', 'client', 'test'],
};

/**
 * Adapters may not import each other, with these named exceptions: the client uses the ZeroMQ
 * transport adapter; the LMDB storage opens the write-ahead log beside it; and the simulator (a test
 * project) runs the real write-ahead log over its simulated file system. @raftkv/wal does all its I/O
 * through its FileSystem port (only its node-file-system.ts touches node:fs, see wal-purity.test.ts),
 * so the simulator stays deterministic.
 */
export const allowedAdapterImports: Readonly<Record<string, readonly string[]>> = {
  '@raftkv/client': ['@raftkv/transport-zmq'],
  '@raftkv/storage': ['@raftkv/wal'],
  '@raftkv/sim': ['@raftkv/wal'],
};

export interface Project {
  readonly name: string;
  readonly kind: ProjectKind;
}

export function boundaryViolations(
  project: Project,
  files: readonly SourceFile[],
  projects: ReadonlyMap<string, Project>,
): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    for (const specifier of file.imports) {
      const packageName = specifier.startsWith('@')
        ? specifier.split('/').slice(0, 2).join('/')
        : specifier.split('/')[0]!;
      const target = projects.get(packageName);
      if (target === undefined || target.name === project.name) continue;
      const rule = isTestSupport(file, target) ? null : kindRuleViolation(project, target);
      if (rule !== null) violations.push({ path: file.path, line: 0, rule });
      if (specifier.includes('/internal/')) {
        violations.push({ path: file.path, line: 0, rule: `reaches into ${specifier}` });
      }
    }
  }
  return violations;
}

/**
 * A project's own tests may use the test-kind harness (fuzzing helpers, free ports): that code never
 * ships with the project, so it adds no edge to the dependency direction of its sources.
 */
function isTestSupport(file: SourceFile, target: Project): boolean {
  return target.kind === 'test' && /(^|\/)tests\//.test(file.path);
}

function kindRuleViolation(project: Project, target: Project): string | null {
  const rule = `${project.kind} project ${project.name} imports ${target.kind} project ${target.name}`;
  if ((allowedAdapterImports[project.name] ?? []).includes(target.name)) return null;
  if (!allowedImports[project.kind].includes(target.kind)) return rule;
  if (target.kind === 'adapter' && project.kind !== 'app') {
    if (!(allowedAdapterImports[project.name] ?? []).includes(target.name)) return rule;
  }
  return null;
}
