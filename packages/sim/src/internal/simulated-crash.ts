// The exception the simulated disk and state machine throw to crash a node in the middle of a turn
// (`powerLoss`: the machine lost power, not only the process). Only the simulator throws or catches
// it; it never means a bug (an AssertionError does).
import type { NodeId } from '@raftkv/raft';

export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';

  constructor(
    readonly nodeId: NodeId,
    readonly where: string,
    readonly powerLoss = false,
  ) {
    super(`${nodeId} crashed ${where}`);
  }
}
