// Public API of @raftkv/in-process-cluster: a deterministic in-process cluster for testing a state machine.
export { InProcessCluster, type InProcessClusterOptions, waitTicksDefault } from './in-process-cluster.js';
