// The Raft consensus core (paper §5, thesis ch. 3-6, 9): a pure, deterministic state machine.
// It performs no I/O and reads no clock or ambient randomness; time arrives as tick(), input as
// step()/propose(), and output leaves through ready()/advance(). Never async, never throws on input.
import type {
  LogIndex,
  LogReader,
  MembershipChange,
  Message,
  NodeId,
  Prng,
  ProposeOutcome,
  RaftConfig,
  ReadIndexOutcome,
  Ready,
  SnapshotSource,
  TransferOutcome,
} from './types.js';
import type { NodeStatus } from './status.js';

export interface RaftNodeStart {
  readonly config: RaftConfig;
  readonly log: LogReader;
  readonly snapshots: SnapshotSource;
  readonly random: Prng;
  /** The state machine's durable applied index: committed entries up to here are not handed out again. */
  readonly appliedIndex: LogIndex;
}

export class RaftNode {
  static start(_start: RaftNodeStart): RaftNode {
    throw new Error('RaftNode.start: not implemented yet');
  }
  tick(): void {}
  step(_message: Message): void {}
  propose(_data: Uint8Array): ProposeOutcome {
    throw new Error('not implemented yet');
  }
  changeMembership(_change: MembershipChange): ProposeOutcome {
    throw new Error('not implemented yet');
  }
  readIndex(_context: number): ReadIndexOutcome {
    throw new Error('not implemented yet');
  }
  transferLeadership(_to: NodeId): TransferOutcome {
    throw new Error('not implemented yet');
  }
  hasReady(): boolean {
    return false;
  }
  ready(): Ready {
    throw new Error('not implemented yet');
  }
  advance(_ready: Ready): void {}
  status(): NodeStatus {
    throw new Error('not implemented yet');
  }
}
