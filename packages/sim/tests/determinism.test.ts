// Determinism: the same seed and code replay the very same run (trace digest and statistics),
// whatever the trace mode; different seeds give different runs.
import { describe, expect, it } from 'vitest';
import { runSeed } from '../src/index.js';

describe('determinism', () => {
  it.each([7, 1234, 987_654_321])('seed %i run twice gives the same trace digest and statistics', (seed) => {
    const first = runSeed(seed);
    const second = runSeed(seed);
    console.log(`seed ${seed}: digest ${first.traceDigest}, ${first.stats.steps} steps`);
    expect(second.traceDigest).toBe(first.traceDigest);
    expect(second.stats).toEqual(first.stats);
    expect(second.summary).toBe(first.summary);
  });

  it('a verbose replay hashes the same events as a plain run, and writes them', () => {
    const lines: string[] = [];
    const verbose = runSeed(7, { trace: 'verbose', writeLine: (line) => lines.push(line) });
    expect(verbose.traceDigest).toBe(runSeed(7).traceDigest);
    expect(lines.length).toBeGreaterThan(1000);
    expect(lines[0]).toContain('seed=7');
  });

  it('different seeds give different runs', () => {
    const digests = new Set([1, 2, 3, 4, 5].map((seed) => runSeed(seed).traceDigest));
    expect(digests.size).toBe(5);
  });
});
