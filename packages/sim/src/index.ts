// Public API of @raftkv/sim: run one seed of the deterministic simulation, and the pieces its tests
// and tools build on. Explicit named exports only.

export type { CheckerName } from './internal/checkers/violations.js';
export { describeKnobs, drawKnobs, type SimulationKnobs } from './internal/knobs.js';
export type { TraceMode } from './internal/trace.js';
export {
  type RunResult,
  runSeed,
  Simulation,
  type SimulationFailure,
  type SimulationOptions,
  type SimulationStats,
} from './simulation.js';
