// Test support for the SIGKILL crash tests: bundles a child writer once, runs it until a seeded kill
// point, reads every line it printed, and kills any child still running when a test ends.
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Entry } from '@raftkv/raft';
import { build } from 'esbuild';

const supportDirectory = dirname(fileURLToPath(import.meta.url));
/** The workspace node_modules, where the bundled child finds msgpackr (kept external: it may load a native addon). */
const msgpackrEntry = createRequire(import.meta.url).resolve('msgpackr');
const nodeModules = msgpackrEntry.slice(0, msgpackrEntry.lastIndexOf(`${sep}msgpackr${sep}`));

/** When to kill: after a delay (during start-up) or some milliseconds after N reported batches. */
export interface KillPoint {
  readonly afterMilliseconds: number | undefined;
  readonly afterBatches: number | undefined;
  readonly thenMilliseconds: number;
}

/**
 * Bundles `tests/support/<entryName>.ts` into `<workDirectory>/<entryName>.cjs`, so each child starts
 * in plain node (~0.1 s) rather than through tsx (~0.7 s). Returns the bundle's path.
 */
export async function bundleCrashChild(entryName: string, workDirectory: string): Promise<string> {
  const outfile = join(workDirectory, `${entryName}.cjs`);
  await build({
    entryPoints: [join(supportDirectory, `${entryName}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    conditions: ['@raftkv/source'],
    external: ['msgpackr'],
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/** Children started by one test file; killAll() in afterAll reaps those a failing test left. */
export class CrashChildren {
  private readonly live = new Set<ChildProcess>();

  /**
   * Starts `node <bundle> ...args`, SIGKILLs it at `killPoint` and resolves with the lines it printed
   * ('ready' once open, then one line per durable batch). A child that exits by itself rejects.
   */
  runUntilKilled(bundle: string, args: readonly string[], killPoint: KillPoint): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const child: ChildProcess = spawn(process.execPath, [bundle, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_PATH: nodeModules },
      });
      this.live.add(child);
      const lines: string[] = [];
      let pending = '';
      let stderr = '';
      let batches = 0;
      let killScheduled = false;
      const kill = () => child.kill('SIGKILL');
      if (killPoint.afterMilliseconds !== undefined) setTimeout(kill, killPoint.afterMilliseconds);
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        const parts = (pending + chunk).split('\n');
        pending = parts.pop()!;
        for (const line of parts) {
          lines.push(line);
          if (line !== 'ready') batches++;
        }
        if (killPoint.afterBatches !== undefined && batches >= killPoint.afterBatches && !killScheduled) {
          killScheduled = true;
          setTimeout(kill, killPoint.thenMilliseconds);
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.on('error', reject);
      // 'close', not 'exit': every line the child wrote before dying has been read by then.
      child.on('close', (code, signal) => {
        this.live.delete(child);
        if (signal === 'SIGKILL') resolve(lines);
        else reject(new Error(`crash child exited by itself (code ${code}, signal ${signal}): ${stderr}`));
      });
    });
  }

  killAll(): void {
    for (const child of this.live) child.kill('SIGKILL');
  }
}

/** The first entry that differs, described; undefined when equal (cheaper than a deep toEqual). */
export function firstDifference(stored: readonly Entry[], expected: readonly Entry[]): string | undefined {
  const describe = (entry: Entry | undefined) =>
    entry === undefined
      ? 'nothing'
      : `${entry.index}/${entry.term}/${entry.kind === 'command' ? Buffer.from(entry.data).toString('hex') : 'configuration'}`;
  for (let position = 0; position < Math.max(stored.length, expected.length); position++) {
    const [actual, wanted] = [describe(stored[position]), describe(expected[position])];
    if (actual !== wanted) return `at position ${position}: stored ${actual}, expected ${wanted}`;
  }
  return undefined;
}
