// Test settings for @raftkv/testkit (shared defaults in the workspace root).
import { packageTestConfig } from '../../vitest.shared.js';

export default packageTestConfig(import.meta.dirname);
