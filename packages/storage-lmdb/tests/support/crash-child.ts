// The crash-safety test's child process: appends planned batches through LmdbLogStorage.persist
// forever and reports each batch number on stdout only after persist returned. The parent kills it.
import { writeSync } from 'node:fs';
import { openLmdbEnvironment } from '../../src/index.js';
import { batchOfEntry, compactionIndexFor, crashMapSizeBytes, planBatch } from './crash-plan.js';

const [directory, seedText] = process.argv.slice(2);
const seed = Number(seedText);
const log = openLmdbEnvironment({ directory: directory!, mapSizeBytes: crashMapSizeBytes }).log;
const lastIndex = log.lastIndex();
let batch = lastIndex === 0 ? 0 : batchOfEntry(log.entries(lastIndex, lastIndex + 1, 0)[0]!);
writeSync(1, 'ready\n');
for (;;) {
  batch++;
  const plan = planBatch(seed, batch, log.lastIndex());
  log.persist({ hardState: plan.hardState, entries: plan.entries, snapshot: null });
  // Synchronous write: when the parent reads this line, the batch is durable.
  writeSync(1, `${batch}\n`);
  const compactTo = compactionIndexFor(log.firstIndex(), log.lastIndex());
  if (compactTo !== undefined) log.compact(compactTo);
}
