// What code the raftkvd processes run: the size and modification time of every source file they load
// (apps/node, packages/*/src). Processes started from sources at different times run different code
// if someone edits the tree during a run, which makes replicas disagree; the run must then not be
// trusted. Reads file metadata only; never file contents, never writes.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { workspaceRoot } from '@raftkv/testkit';

export type SourceFingerprint = ReadonlyMap<string, string>;

export function fingerprintSources(root = workspaceRoot): SourceFingerprint {
  const files = new Map<string, string>();
  const directories = [join(root, 'apps/node/src')];
  for (const name of readdirSync(join(root, 'packages')))
    directories.push(join(root, 'packages', name, 'src'));
  for (const directory of directories) collect(root, directory, files);
  return files;
}

function collect(root: string, directory: string, files: Map<string, string>): void {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(directory, name);
    const stat = statSync(path);
    if (stat.isDirectory()) collect(root, path, files);
    else if (name.endsWith('.ts')) files.set(relative(root, path), `${stat.size}:${stat.mtimeMs}`);
  }
}

/** Files added, removed or changed between two fingerprints. */
export function changedSources(before: SourceFingerprint, after: SourceFingerprint): string[] {
  const changed = new Set<string>();
  for (const [path, stamp] of after) if (before.get(path) !== stamp) changed.add(path);
  for (const path of before.keys()) if (!after.has(path)) changed.add(path);
  return [...changed].sort();
}
