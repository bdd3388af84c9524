// Test support for the SIGKILL crash tests of @raftkv/wal and @raftkv/storage (which imports it as
// '@raftkv/wal/test-support/crash-children'): bundles a child writer once, runs it until a seeded kill
// point, reads every line it printed, and kills any child still running when a test ends.
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { basename, join, sep } from 'node:path';
import { type Entry, SeededPrng } from '@raftkv/raft';
import { build } from 'esbuild';
import { PlannedLog } from './crash-plan.js';

/**
 * The workspace node_modules, where the bundled child finds the packages kept external (msgpackr:
 * it may load a native addon; and whatever native packages the caller names, such as node-lmdb).
 */
const msgpackrEntry = createRequire(import.meta.url).resolve('msgpackr');
const nodeModules = msgpackrEntry.slice(0, msgpackrEntry.lastIndexOf(`${sep}msgpackr${sep}`));

/** When to kill: after a delay (during start-up) or some milliseconds after N reported batches. */
export interface KillPoint {
  readonly afterMilliseconds: number | undefined;
  readonly afterBatches: number | undefined;
  readonly thenMilliseconds: number;
}

/**
 * A seeded kill point: 15% land during start-up (within 150 ms of the spawn), the rest up to 40 ms
 * after 1–12 reported batches, which spreads kills over the whole write cycle (an fdatasync takes
 * milliseconds), not just its start.
 */
function randomKillPoint(random: SeededPrng): KillPoint {
  const duringStartup = random.nextInt(100) < 15;
  return {
    afterMilliseconds: duringStartup ? random.nextInt(150) : undefined,
    afterBatches: duringStartup ? undefined : 1 + random.nextInt(12),
    thenMilliseconds: random.nextInt(40),
  };
}

/**
 * One lane of a crash test: its own directory, killed again and again; its own seed (the test's seed
 * plus the lane number), which the child plans its batches from and the kill points are drawn from;
 * and the parent's model of the log the child writes.
 */
export class CrashLane {
  readonly seed: number;
  readonly directory: string;
  readonly model: PlannedLog;
  /** The highest batch the child has reported durable over all runs so far. */
  reportedBatch = 0;
  private readonly random: SeededPrng;

  constructor(testSeed: number, lane: number, workDirectory: string) {
    this.seed = testSeed + lane;
    this.random = new SeededPrng(this.seed);
    this.directory = join(workDirectory, `lane-${lane}`);
    this.model = new PlannedLog(this.seed);
  }

  /**
   * Runs `node <bundle> <directory> <seed> ...moreArgs` until a seeded kill point, notes the batches it
   * reported, and returns the kill point used.
   */
  async runUntilKilled(
    children: CrashChildren,
    bundle: string,
    moreArgs: readonly string[] = [],
  ): Promise<KillPoint> {
    const killPoint = randomKillPoint(this.random);
    const lines = await children.runUntilKilled(
      bundle,
      [this.directory, String(this.seed), ...moreArgs],
      killPoint,
    );
    for (const line of lines)
      if (line !== 'ready') this.reportedBatch = Math.max(this.reportedBatch, Number(line));
    return killPoint;
  }
}

/**
 * Bundles the child's entry file (`<name>.ts`) into `<workDirectory>/<name>.cjs`, so each child starts
 * in plain node (~0.1 s) rather than through tsx (~0.7 s), leaving msgpackr and `external` packages
 * to be loaded from the workspace node_modules. Returns the bundle's path.
 */
export async function bundleCrashChild(
  entryFile: string,
  workDirectory: string,
  external: readonly string[] = [],
): Promise<string> {
  const outfile = join(workDirectory, `${basename(entryFile, '.ts')}.cjs`);
  await build({
    entryPoints: [entryFile],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    conditions: ['@raftkv/source'],
    external: ['msgpackr', ...external],
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/** Children started by one test file; killAll() in afterAll reaps those a failing test left. */
export class CrashChildren {
  private readonly live = new Set<ChildProcess>();
  /** Wall time from each spawn to its 'ready' line, summed: how much of a test is child start-up. */
  startupMilliseconds = 0;

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
      const spawnedAt = performance.now();
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
          if (line === 'ready') this.startupMilliseconds += performance.now() - spawnedAt;
          else batches++;
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
