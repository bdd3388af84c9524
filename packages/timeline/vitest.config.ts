// Test settings for @raftkv/timeline (shared defaults in the workspace root).
import { packageTestConfig } from '../../vitest.shared.js';

export default packageTestConfig(import.meta.dirname);
