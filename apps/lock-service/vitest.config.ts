// Test settings for @raftkv/lock-service (shared defaults in the workspace root); its e2e test starts
// three member processes, so it gets the e2e suites' bounds.
import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

export default mergeConfig(packageTestConfig(import.meta.dirname, { testTimeoutMs: 90_000 }), {
  test: { fileParallelism: false, hookTimeout: 60_000 },
});
