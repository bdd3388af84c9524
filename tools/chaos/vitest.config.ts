// Test settings for @raftkv/chaos (shared defaults in the workspace root); the CI-sized chaos run
// takes about 90 s, so tests here may run for up to 5 minutes.
import { packageTestConfig } from '../../vitest.shared.js';

export default packageTestConfig(import.meta.dirname, { testTimeoutMs: 300_000 });
