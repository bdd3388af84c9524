// Crash safety of a data directory: a real child process appends batches to the write-ahead log and
// applies them to the LMDB store, and is SIGKILLed at seeded random points; after every kill the log
// must hold every reported batch, be contiguous, verify every checksum, and carry the hard state of
// the same batch as its last entry; its deferred KV applies must be all-or-nothing, in order, never
// beyond the log, and never behind what the log has discarded (paper §7).
import { fileURLToPath } from 'node:url';
import {
  bundleCrashChild,
  CrashChildren,
  CrashLane,
  firstDifference,
} from '@raftkv/wal/test-support/crash-children';
import { batchOfEntry, type PlannedLog } from '@raftkv/wal/test-support/crash-plan';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openLmdbEnvironment } from '../src/index.js';
import { appliedBatchKey, crashMapSizeBytes, crashWalSegmentBytesMin } from './support/crash-plan.js';
import { makeTemporaryDirectory, removeDirectory } from './support/temporary-directory.js';

const kills = 200;
/**
 * A hang guard, not a speed assertion: the work is bounded by `kills`, whatever the machine. One run
 * took 30 s with load average 10–13 on the 2-core machine (five times oversubscribed; child start-up
 * was two thirds of it) — an idle machine twice as slow as ours, or this busy one, stays far inside.
 */
const hangGuardMilliseconds = 300_000;
/** Independent directories killed concurrently, so child start-up time overlaps. */
const lanes = 3;
const seed = Number(process.env.RAFTKV_SEED ?? Math.floor(Math.random() * 2 ** 31));

let workDirectory: string;
let childBundle: string;
const children = new CrashChildren();

beforeAll(async () => {
  workDirectory = makeTemporaryDirectory('crash');
  childBundle = await bundleCrashChild(
    fileURLToPath(new URL('./support/crash-child.ts', import.meta.url)),
    workDirectory,
    ['node-lmdb'],
  );
});

afterAll(() => {
  children.killAll();
  removeDirectory(workDirectory);
});

describe('crash safety of a data directory', () => {
  test(
    `every reported batch survives ${kills} SIGKILLs at random points (seed=${seed})`,
    async () => {
      console.log(`crash-safety seed=${seed} (${lanes} lanes, each its own directory and child)`);
      const startedAt = performance.now();
      const results = await Promise.all(
        Array.from({ length: lanes }, (_, lane) => runLane(lane, Math.ceil((kills - lane) / lanes))),
      );
      const seconds = (performance.now() - startedAt) / 1000;
      const total = (pick: (result: LaneResult) => number) =>
        results.reduce((sum, result) => sum + pick(result), 0);
      console.log(
        `crash-safety: ${total((result) => result.kills)} kills (${total((result) => result.killsDuringStartup)} ` +
          `during startup), ${total((result) => result.durableBatches)} batches durable, ${seconds.toFixed(1)} s ` +
          `(children spent ${(children.startupMilliseconds / 1000).toFixed(1)} s starting up, over ${lanes} lanes)`,
      );
      expect(total((result) => result.kills)).toBe(kills);
      for (const result of results) expect(result.durableBatches).toBeGreaterThan(result.kills / 2);
    },
    hangGuardMilliseconds,
  );
});

interface LaneResult {
  readonly kills: number;
  readonly killsDuringStartup: number;
  readonly durableBatches: number;
}

/** One directory, killed `laneKills` times; each lane has its own seed derived from the test seed. */
async function runLane(laneNumber: number, laneKills: number): Promise<LaneResult> {
  const lane = new CrashLane(seed, laneNumber, workDirectory);
  let killsDuringStartup = 0;
  for (let kill = 0; kill < laneKills; kill++) {
    const killPoint = await lane.runUntilKilled(children, childBundle);
    if (killPoint.afterMilliseconds !== undefined) killsDuringStartup++;
    verifyAfterCrash(lane.directory, lane.model, lane.reportedBatch, `lane ${laneNumber} kill ${kill}`);
  }
  return { kills: laneKills, killsDuringStartup, durableBatches: lane.model.batch };
}

function verifyAfterCrash(directory: string, model: PlannedLog, reportedBatch: number, where: string): void {
  const environment = openLmdbEnvironment({
    directory,
    mapSizeBytes: crashMapSizeBytes,
    walSegmentBytesMin: crashWalSegmentBytesMin,
  });
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
    if (firstIndex > 1) {
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
