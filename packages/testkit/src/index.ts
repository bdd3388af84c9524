// Public API of @raftkv/testkit: the harness pieces shared by tools/e2e and tools/chaos.
// Explicit named exports only.
export { type FlippedByte, flipByteInWalSegment, moveAside } from './data-files.js';
export { type EventuallyOptions, eventually, pause } from './eventually.js';
export { freePorts } from './free-ports.js';
export { fetchStatus, type HttpStatus } from './node-status.js';
export {
  killAllRaftkvd,
  RaftkvdProcess,
  runningRaftkvdCount,
  sourceCommand,
  workspaceRoot,
} from './raftkvd-process.js';
