// Decides whether raftkvd must be (re)built before launching: its dist and every workspace package's
// dist must exist and be newer than the newest source file. Builds with Nx when they are not.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from './node-processes.js';

/** The projects raftkvd runs from, with the dist file that proves each was built. */
const builtProjects = [
  ['packages/raft', 'dist/index.js'],
  ['packages/kv', 'dist/index.js'],
  ['packages/protocol', 'dist/index.js'],
  ['packages/storage', 'dist/index.js'],
  ['packages/transport-zmq', 'dist/index.js'],
  ['apps/node', 'dist/main.js'],
] as const;

/** The projects whose dist is missing or older than their sources. */
export function staleProjects(): string[] {
  return builtProjects
    .filter(([project, output]) => {
      const built = join(workspaceRoot, project, output);
      if (!existsSync(built)) return true;
      return newestMtimeMs(join(workspaceRoot, project, 'src')) > statSync(built).mtimeMs;
    })
    .map(([project]) => project);
}

/**
 * Builds raftkvd and the packages it runs from with Nx (dependencies first, cached); other projects
 * are left to `npm run build`, so one broken project elsewhere cannot stop the cluster from starting.
 * Returns whether it succeeded. Output goes to the terminal.
 */
export function build(): boolean {
  const command = ['nx', 'run-many', '-t', 'build', '--projects=@raftkv/node', '--output-style=static'];
  const result = spawnSync('npx', command, {
    cwd: workspaceRoot,
    stdio: 'inherit',
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' },
  });
  return result.status === 0;
}

function newestMtimeMs(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}
