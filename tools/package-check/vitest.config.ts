// Test settings for @raftkv/package-check (shared defaults in the workspace root). Packing, a clean
// install (native modules included) and a three-member cluster take a while on a busy machine.
import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

export default mergeConfig(packageTestConfig(import.meta.dirname, { testTimeoutMs: 600_000 }), {
  test: { hookTimeout: 600_000 },
});
