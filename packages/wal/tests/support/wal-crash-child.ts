// The WAL crash test's child: appends planned batches to a WalLogStorage forever, printing each once durable.
import { writeSync } from 'node:fs';
import { WalLogStorage } from '../../src/index.js';
import { nodeFileSystem } from '../../src/node-file-system.js';
import { batchOfEntry, planBatch } from './crash-plan.js';

const [directory, seedText, segmentBytesMinText] = process.argv.slice(2);
const seed = Number(seedText);
/**
 * Entries kept by each compaction. Few, so the live log is small and the segment is rewritten every
 * few batches: kills then also land inside rewrites (temporary file, fsync, rename, removal).
 */
const keptEntries = 32;
const log = WalLogStorage.open({
  fileSystem: nodeFileSystem,
  directory: directory!,
  segmentBytesMin: Number(segmentBytesMinText),
});
const lastIndex = log.lastIndex();
let batch = lastIndex === 0 ? 0 : batchOfEntry(log.entries(lastIndex, lastIndex + 1, 0)[0]!);
writeSync(1, 'ready\n');
for (;;) {
  batch++;
  const plan = planBatch(seed, batch, log.lastIndex());
  log.persist({ hardState: plan.hardState, entries: plan.entries, snapshot: null });
  // Synchronous write: when the parent reads this line, the batch is durable.
  writeSync(1, `${batch}\n`);
  // Paper §7: a prefix the state machine no longer needs is discarded (nothing to snapshot here).
  if (log.lastIndex() - log.firstIndex() + 1 > 2 * keptEntries) log.compact(log.lastIndex() - keptEntries);
}
