// Public API of @raftkv/sim: run one seed of the deterministic simulation, and the pieces its tests
// and tools build on. Explicit named exports only.

export type { AlarmKnobs } from './internal/alarm-injector.js';
export type { CheckerName } from './internal/checkers/violations.js';
export { describeKnobs, drawKnobs, type SimulationKnobs } from './internal/knobs.js';
export type { TraceMode } from './internal/trace.js';
export {
  anyValue,
  type CheckOptions,
  type CheckStats,
  type CounterExample,
  type CounterExampleOperation,
  checkLinearizability,
  defaultMaxSteps,
  defaultShrinkMaxSteps,
  type ExplanationContext,
  type HistoryOperation,
  type InvalidHistory,
  type KvInput,
  type KvOperation,
  type KvResult,
  type KvState,
  kvModel,
  type LinearizabilityVerdict,
  type Model,
  type Observation,
  type ObservedCall,
  type Outcome,
  type StateKey,
  type StepResult,
} from './linearizability/index.js';
export {
  type RunResult,
  runSeed,
  Simulation,
  type SimulationFailure,
  type SimulationOptions,
  type SimulationStats,
} from './simulation.js';
