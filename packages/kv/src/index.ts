// Public API of @raftkv/kv: the KV state machine, its in-memory store double, the command/query/
// result model with its codec, the named limits, and the store port adapters implement.
export { type DecodeCommandResult, decodeCommand, encodeCommand } from './codec.js';
export {
  type AlarmKind,
  type AlarmOperation,
  alarmMemberLengthMax,
  alarmSinceLengthMax,
  type CommandSession,
  type Compare,
  type CompareAndSwapOperation,
  type CompareOperator,
  commandSessionSchema,
  type DeleteOperation,
  type GetOperation,
  type KvCommand,
  type KvOperation,
  type KvQuery,
  kvCommandSchema,
  kvOperationSchema,
  kvQuerySchema,
  type NoSpaceReason,
  type PutOperation,
  prefixRange,
  type RangeOperation,
  type RevisionTarget,
  type SwapExpectation,
  type TransactionOperation,
  type TransactionStep,
} from './commands.js';
export { prefixEnd } from './internal/bytes.js';
export {
  KvSnapshotReader,
  type ParsedSnapshotStream,
  parseSnapshotStream,
} from './internal/snapshot-stream.js';
export {
  type KvApplyResult,
  KvStateMachine,
  type KvStateMachineOptions,
  operationAddsData,
} from './kv-state-machine.js';
export {
  clientIdBytesMax,
  defaultKvLimits,
  type KvLimits,
  keyBytesMax,
  operationsPerTransactionMax,
  rangeLimitMax,
  resultsPerSessionMax,
  sessionExpiryEntries,
  sessionsMax,
  valueBytesMax,
} from './limits.js';
export { MemoryKvStore } from './memory-kv-store.js';
export type {
  KeyValue,
  KvError,
  KvErrorCode,
  KvResult,
  MemberAlarm,
  OperationResult,
  StepResult,
} from './results.js';
export {
  KvSnapshotSummarizer,
  type KvSnapshotSummary,
  summarizeSnapshotView,
  summarizeStorePairs,
} from './snapshot-summary.js';
export type {
  KvStore,
  KvStoreReader,
  KvStoreSnapshotView,
  KvStoreWriter,
  StoreMetadata,
} from './store-port.js';
