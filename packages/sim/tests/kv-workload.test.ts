// The KV workload end to end: clients retry writes with the same session sequence, crashes lose
// deferred KV writes that the log then re-applies, and every client operation is recorded once for
// the linearizability check. Seeds are fixed and printed.
import { describe, expect, it } from 'vitest';
import { runSeed } from '../src/index.js';

describe('the KV workload', () => {
  it('retries a write with the same client id and sequence, to the same or another node', () => {
    const seed = 1;
    console.log(`kv workload: seed ${seed}`);
    const lines: string[] = [];
    const result = runSeed(seed, { trace: 'verbose', writeLine: (line) => lines.push(line) });
    expect(result.failures).toEqual([]);
    expect(result.stats.sessionRetries).toBeGreaterThan(0);
    const retried = lines
      .map((line) => /client proposes (c\d+\.\d+#\d+) \(attempt 2\)/.exec(line)?.[1])
      .find((label) => label !== undefined);
    expect(retried, 'no write was proposed a second time').toBeDefined();
    expect(lines.some((line) => line.includes(`client proposes ${retried} (attempt 1)`))).toBe(true);
  });

  it('crashes lose deferred KV writes, the log re-applies them, and every seed stays correct', () => {
    let crashesLosingKvWrites = 0;
    let historyOperations = 0;
    let writes = 0;
    let reads = 0;
    for (let seed = 1; seed <= 10; seed += 1) {
      const result = runSeed(seed, { trace: 'off' });
      expect(result.failures, `seed ${seed}`).toEqual([]);
      crashesLosingKvWrites += result.stats.crashesLosingKvWrites;
      historyOperations += result.stats.historyOperations;
      writes += result.stats.writes;
      reads += result.stats.reads;
    }
    console.log(`kv workload: seeds 1..10: ${crashesLosingKvWrites} crashes lost deferred writes`);
    expect(crashesLosingKvWrites).toBeGreaterThan(0);
    // Each write is recorded once however often it was retried (reads too, when answered).
    expect(historyOperations).toBeGreaterThanOrEqual(writes);
    expect(historyOperations).toBeLessThanOrEqual(writes + reads);
  });
});
