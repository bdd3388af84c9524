// Test settings for @raftkv/in-process-cluster (shared defaults in the workspace root).
import { packageTestConfig } from '../../vitest.shared.js';

export default packageTestConfig(import.meta.dirname);
