// Test settings for @raftkv/storage-lmdb (shared defaults in the workspace root).
import { packageTestConfig } from '../../vitest.shared.js';

export default packageTestConfig(import.meta.dirname);
