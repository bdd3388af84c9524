// Test settings for @raftkv/e2e (shared defaults in the workspace root). Test files run one at a
// time: each starts real raftkvd processes, and two clusters at once on 2 cores invite spurious
// elections.
import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

export default mergeConfig(packageTestConfig(import.meta.dirname, { testTimeoutMs: 90_000 }), {
  test: { fileParallelism: false, hookTimeout: 60_000 },
});
