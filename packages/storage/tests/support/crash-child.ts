// The crash-safety test's child process: appends planned batches forever through the data directory's
// write-ahead log and reports each batch number on stdout only after it is durable. After each batch
// it applies it to the KV store, whose deferred LMDB transaction the environment commits by its
// policy: here after a few batches' bytes, and whenever the log compacts. The parent kills it.
import { writeSync } from 'node:fs';
import { batchOfEntry, planBatch } from '@raftkv/wal/test-support/crash-plan';
import { openLmdbEnvironment } from '../../src/index.js';
import {
  appliedBatchKey,
  compactionIndexFor,
  crashMapSizeBytes,
  crashWalSegmentBytesMin,
} from './crash-plan.js';

const [directory, seedText] = process.argv.slice(2);
const seed = Number(seedText);
const environment = openLmdbEnvironment({
  directory: directory!,
  mapSizeBytes: crashMapSizeBytes,
  // About eight applies per commit, so kills also land in commits the byte bound makes.
  commitPolicy: { bytesMax: 256 },
  walSegmentBytesMin: crashWalSegmentBytesMin,
});
const { log, kv } = environment;
const lastIndex = log.lastIndex();
let batch = lastIndex === 0 ? 0 : batchOfEntry(log.entries(lastIndex, lastIndex + 1, 0)[0]!);
/** Records batch `applied` in the KV store (deferred, like raftkvd's applies). */
const applyDeferred = (applied: number): void => {
  const metadata = { appliedIndex: applied, appliedTerm: applied, configuration: null };
  kv.write(metadata, (writer) =>
    writer.put(appliedBatchKey(applied), new TextEncoder().encode(`${applied}`)),
  );
};
// A crash may have lost the last deferred apply: redo it, as a restarted node re-applies from its log.
if (kv.metadata().appliedIndex < batch) applyDeferred(batch);
writeSync(1, 'ready\n');
for (;;) {
  batch++;
  const plan = planBatch(seed, batch, log.lastIndex());
  log.persist({ hardState: plan.hardState, entries: plan.entries, snapshot: null });
  // Synchronous write: when the parent reads this line, the batch is durable.
  writeSync(1, `${batch}\n`);
  applyDeferred(batch);
  const compactTo = compactionIndexFor(log.firstIndex(), log.lastIndex());
  if (compactTo !== undefined) log.compact(compactTo);
}
