// Test settings for @raftkv/repo-checks (shared defaults in the workspace root).
import { packageTestConfig } from '../../vitest.shared.js';

export default packageTestConfig(import.meta.dirname);
