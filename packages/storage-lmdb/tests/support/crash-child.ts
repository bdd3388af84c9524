// The crash-safety test's child process: appends planned batches forever — odd batches through
// LmdbLogStorage.persist, even ones through a syncing turn transaction — and reports each batch
// number on stdout only after it is durable. After each batch it applies it to the KV store in a
// turn that needs no sync (deferred into the next commit). The parent kills it.
import { writeSync } from 'node:fs';
import { openLmdbEnvironment } from '../../src/index.js';
import {
  appliedBatchKey,
  batchOfEntry,
  compactionIndexFor,
  crashMapSizeBytes,
  planBatch,
} from './crash-plan.js';

const [directory, seedText, logStorage] = process.argv.slice(2);
const seed = Number(seedText);
const environment = openLmdbEnvironment({
  directory: directory!,
  mapSizeBytes: crashMapSizeBytes,
  logStorage: logStorage === 'lmdb' ? 'lmdb' : 'write-ahead-log',
});
const { log, kv, turnTransaction } = environment;
const lastIndex = log.lastIndex();
let batch = lastIndex === 0 ? 0 : batchOfEntry(log.entries(lastIndex, lastIndex + 1, 0)[0]!);
/** Records batch `applied` in the KV store in a turn that needs no sync (like raftkvd's applies). */
const applyDeferred = (applied: number): void =>
  turnTransaction.run(() => {
    const metadata = { appliedIndex: applied, appliedTerm: applied, configuration: null };
    kv.write(metadata, (writer) =>
      writer.put(appliedBatchKey(applied), new TextEncoder().encode(`${applied}`)),
    );
  }, false);
// A crash may have lost the last deferred apply: redo it, as a restarted node re-applies from its log.
if (kv.metadata().appliedIndex < batch) applyDeferred(batch);
writeSync(1, 'ready\n');
for (;;) {
  batch++;
  const plan = planBatch(seed, batch, log.lastIndex());
  const update = { hardState: plan.hardState, entries: plan.entries, snapshot: null };
  if (batch % 2 === 0) turnTransaction.run(() => log.persist(update), true);
  else log.persist(update);
  // Synchronous write: when the parent reads this line, the batch is durable.
  writeSync(1, `${batch}\n`);
  applyDeferred(batch);
  const compactTo = compactionIndexFor(log.firstIndex(), log.lastIndex());
  if (compactTo !== undefined) log.compact(compactTo);
}
