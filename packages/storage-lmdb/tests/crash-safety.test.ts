// Crash safety, for both log storages: a real child process appends batches (log persists and turn
// transactions) and is SIGKILLed at seeded random points; after every kill the log must hold every
// reported batch, be contiguous, verify every checksum, and carry the hard state of the same batch
// as its last entry; its deferred KV applies must be all-or-nothing, in order, never beyond the log,
// and never behind what the log has discarded (paper §7).
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Entry, SeededPrng } from '@raftkv/raft';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type LogStorageKind, openLmdbEnvironment } from '../src/index.js';
import { appliedBatchKey, batchOfEntry, crashMapSizeBytes, PlannedLog } from './support/crash-plan.js';
import { makeTemporaryDirectory, removeDirectory } from './support/temporary-directory.js';

const kills = 200;
/** Independent directories killed concurrently, so child start-up time overlaps. */
const lanes = 3;
const seed = Number(process.env.RAFTKV_SEED ?? Math.floor(Math.random() * 2 ** 31));
const testsDirectory = dirname(fileURLToPath(import.meta.url));
/** The workspace node_modules, where the bundled child finds node-lmdb and msgpackr. */
const nodeModules = dirname(dirname(createRequire(import.meta.url).resolve('node-lmdb/package.json')));

let workDirectory: string;
let childBundle: string;
/** Children not yet reaped, killed in afterAll if the test fails part-way. */
const liveChildren = new Set<ChildProcess>();

beforeAll(async () => {
  workDirectory = makeTemporaryDirectory('crash');
  childBundle = join(workDirectory, 'crash-child.cjs');
  // Bundled once so each child starts in plain node (~0.1 s) rather than through tsx (~0.7 s).
  await build({
    entryPoints: [join(testsDirectory, 'support', 'crash-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    conditions: ['@raftkv/source'],
    external: ['node-lmdb', 'msgpackr'],
    outfile: childBundle,
    logLevel: 'silent',
  });
});

afterAll(() => {
  for (const child of liveChildren) child.kill('SIGKILL');
  removeDirectory(workDirectory);
});

describe.each(['lmdb', 'write-ahead-log'] as const)('crash safety with the %s log', (logStorage) => {
  test(`every reported batch survives ${kills} SIGKILLs at random points (seed=${seed})`, async () => {
    console.log(
      `crash-safety (${logStorage}) seed=${seed} (${lanes} lanes, each its own directory and child)`,
    );
    const startedAt = performance.now();
    const results = await Promise.all(
      Array.from({ length: lanes }, (_, lane) =>
        runLane(logStorage, lane, Math.ceil((kills - lane) / lanes)),
      ),
    );
    const seconds = (performance.now() - startedAt) / 1000;
    const total = (pick: (result: LaneResult) => number) =>
      results.reduce((sum, result) => sum + pick(result), 0);
    console.log(
      `crash-safety: ${total((result) => result.kills)} kills (${total((result) => result.killsDuringStartup)} ` +
        `during startup), ${total((result) => result.durableBatches)} batches durable, ${seconds.toFixed(1)} s`,
    );
    expect(total((result) => result.kills)).toBe(kills);
    for (const result of results) expect(result.durableBatches).toBeGreaterThan(result.kills / 2);
  }, 180_000);
});

interface LaneResult {
  readonly kills: number;
  readonly killsDuringStartup: number;
  readonly durableBatches: number;
}

/** One directory, killed `laneKills` times; each lane has its own seed derived from the test seed. */
async function runLane(logStorage: LogStorageKind, lane: number, laneKills: number): Promise<LaneResult> {
  const laneSeed = seed + lane;
  const random = new SeededPrng(laneSeed);
  const directory = join(workDirectory, `${logStorage}-lane-${lane}`);
  const model = new PlannedLog(laneSeed);
  let reportedBatch = 0;
  let killsDuringStartup = 0;
  for (let kill = 0; kill < laneKills; kill++) {
    const duringStartup = random.nextInt(100) < 15;
    if (duringStartup) killsDuringStartup++;
    const lines = await runChildUntilKilled(directory, logStorage, laneSeed, {
      afterMilliseconds: duringStartup ? random.nextInt(150) : undefined,
      afterBatches: duringStartup ? undefined : 1 + random.nextInt(12),
      // Spreads kills over the whole write cycle (an fsync takes milliseconds), not just its start.
      thenMilliseconds: random.nextInt(40),
    });
    for (const line of lines) if (line !== 'ready') reportedBatch = Math.max(reportedBatch, Number(line));
    verifyAfterCrash(directory, logStorage, model, reportedBatch, `lane ${lane} kill ${kill}`);
  }
  return { kills: laneKills, killsDuringStartup, durableBatches: model.batch };
}

function verifyAfterCrash(
  directory: string,
  logStorage: LogStorageKind,
  model: PlannedLog,
  reportedBatch: number,
  where: string,
): void {
  const environment = openLmdbEnvironment({ directory, mapSizeBytes: crashMapSizeBytes, logStorage });
  expect(environment.logStorage, `${where}: log storage kind`).toBe(logStorage);
  try {
    const log = environment.log;
    const lastIndex = log.lastIndex();
    const durableBatch = lastIndex === 0 ? 0 : batchOfEntry(log.entries(lastIndex, lastIndex + 1, 0)[0]!);
    expect(durableBatch, `${where}: a reported batch was lost`).toBeGreaterThanOrEqual(reportedBatch);
    model.advanceTo(durableBatch);
    expect(lastIndex, `${where}: last index`).toBe(model.entries.length);
    const firstIndex = log.firstIndex();
    const stored = log.entries(firstIndex, lastIndex + 1, Number.MAX_SAFE_INTEGER);
    expect(
      firstDifference(stored, model.entries.slice(firstIndex - 1)),
      `${where}: log contents`,
    ).toBeUndefined();
    expect(log.term(firstIndex - 1)).toBe(firstIndex === 1 ? 0 : model.entries[firstIndex - 2]!.term);
    expect(log.initialState().hardState, `${where}: hard state of the same batch`).toEqual(model.hardState);
    const appliedBatch = environment.kv.metadata().appliedIndex;
    expect(appliedBatch, `${where}: KV applied batch vs durable batch ${durableBatch}`).toBeLessThanOrEqual(
      durableBatch,
    );
    if (logStorage === 'lmdb') {
      // Batch b's deferred apply commits with batch b + 1's persist (or a later write), never alone
      // and never before batch b itself.
      expect(
        appliedBatch,
        `${where}: a deferred apply was lost although a later batch is durable`,
      ).toBeGreaterThanOrEqual(durableBatch - 1);
    } else if (firstIndex > 1) {
      // The write-ahead log syncs alone; applies commit later, but always before the log discards
      // the entries that could rebuild them (paper §7).
      const discardedBatch = batchOfEntry(model.entries[firstIndex - 2]!);
      expect(appliedBatch, `${where}: the KV store is behind the discarded log`).toBeGreaterThanOrEqual(
        discardedBatch,
      );
    }
    if (appliedBatch > 0)
      expect(environment.kv.get(appliedBatchKey(appliedBatch)), `${where}: applied key`).toBeDefined();
    expect(
      environment.kv.get(appliedBatchKey(durableBatch + 1)),
      `${where}: an apply beyond the log`,
    ).toBeUndefined();
  } finally {
    environment.close();
  }
}

/** The first entry that differs, described; undefined when equal (cheaper than a deep toEqual). */
function firstDifference(stored: readonly Entry[], expected: readonly Entry[]): string | undefined {
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

interface KillPoint {
  readonly afterMilliseconds: number | undefined;
  readonly afterBatches: number | undefined;
  readonly thenMilliseconds: number;
}

/** Starts a child on `directory`, SIGKILLs it at `killPoint`, and resolves with the lines it printed. */
function runChildUntilKilled(
  directory: string,
  logStorage: LogStorageKind,
  childSeed: number,
  killPoint: KillPoint,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [childBundle, directory, String(childSeed), logStorage],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_PATH: nodeModules },
      },
    );
    liveChildren.add(child);
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
    child.on('exit', (code, signal) => {
      liveChildren.delete(child);
      if (signal === 'SIGKILL') resolve(lines);
      else reject(new Error(`crash child exited by itself (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}
