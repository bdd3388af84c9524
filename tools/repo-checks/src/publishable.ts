// What makes a library package publishable as it stands (issue 15): not private, the workspace's one
// version, engines, exports with types, a files list, every import of its sources declared exactly in
// its own manifest, and a README with its API and an example. Reports; never fixes.
import { builtinModules } from 'node:module';
import type { Violation } from './purity.js';
import type { SourceFile } from './source-files.js';

export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly engines?: Record<string, string>;
  readonly exports?: Record<string, unknown>;
  readonly files?: readonly string[];
  readonly dependencies?: Record<string, string>;
}

const exactVersion = /^\d+\.\d+\.\d+$/;

/** The package a bare import specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageNameOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtinModules.includes(name) ? null : name;
}

/**
 * `sources` are the package's src/ files (what ships, compiled, in dist/); `readme` its README text;
 * `version` the one version every library package carries.
 */
export function publishabilityViolations(
  manifest: PackageManifest,
  sources: readonly SourceFile[],
  readme: string | null,
  version: string,
): Violation[] {
  const at = (rule: string): Violation => ({ path: `${manifest.name}/package.json`, line: 0, rule });
  const violations: Violation[] = [];
  if (manifest.private === true) violations.push(at('is private'));
  if (manifest.version !== version) violations.push(at(`version ${manifest.version} is not ${version}`));
  if (manifest.engines?.node === undefined) violations.push(at('declares no engines.node'));
  if (!manifest.files?.includes('dist')) violations.push(at('files does not list dist'));
  const entries = Object.entries(manifest.exports ?? {});
  if (!entries.some(([subpath]) => subpath === '.')) violations.push(at('exports has no "." entry'));
  for (const [subpath, target] of entries) {
    if (target === null || typeof target !== 'object') continue;
    const conditions = target as Record<string, unknown>;
    // An entry with only the workspace's source condition is for the workspace's own tests.
    if (conditions.default === undefined) continue;
    const types = conditions.types;
    if (typeof types !== 'string' || !types.endsWith('.d.ts'))
      violations.push(at(`exports["${subpath}"] has no types beside its default`));
  }
  const declared = manifest.dependencies ?? {};
  const scope = `${manifest.name.split('/')[0]}/`;
  for (const [name, range] of Object.entries(declared)) {
    if (!exactVersion.test(range)) violations.push(at(`dependency ${name}@${range} is not an exact version`));
    if (name.startsWith(scope) && range !== version)
      violations.push(at(`dependency ${name}@${range} is not the workspace version ${version}`));
  }
  const used = new Set<string>();
  for (const file of sources) {
    for (const specifier of file.imports) {
      const name = packageNameOf(specifier);
      if (name === null || name === manifest.name) continue;
      used.add(name);
      if (declared[name] === undefined)
        violations.push({ path: file.path, line: 0, rule: `imports ${specifier} without declaring ${name}` });
    }
  }
  for (const name of Object.keys(declared)) {
    if (!used.has(name)) violations.push(at(`declares ${name}, which its sources never import`));
  }
  if (readme === null) violations.push(at('has no README.md'));
  else {
    if (!/^#{2,3} .*\bAPI\b/m.test(readme)) violations.push(at('README has no API section'));
    if (!/^#{2,3} .*\bExample/m.test(readme)) violations.push(at('README has no Example section'));
  }
  return violations;
}
