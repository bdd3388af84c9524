// What a leader learns from any follower answer: liveness (thesis §6.2), heartbeat rounds (§6.4).
import type { NodeState } from './node-state.js';
import type { Progress } from './progress.js';
import { confirmReads } from './read-index.js';

/** Any answer in our term shows the follower accepts us as leader (thesis §6.2, §6.4). */
export function onFollowerHeard(node: NodeState, progress: Progress, sequence: number): boolean {
  progress.recentlyActive = true;
  if (sequence <= progress.sequenceEchoed || sequence > node.sequence) return false;
  progress.sequenceEchoed = sequence;
  confirmReads(node);
  return true;
}

/** Once per heartbeat round: unstick a follower whose acknowledgements were lost. */
export function onHeartbeatRoundAnswered(node: NodeState, progress: Progress): void {
  progress.probeSent = false;
  if (progress.state === 'replicate' && progress.inflights.isFull()) progress.inflights.freeFirstOne();
  if (progress.state !== 'snapshot' && progress.matchIndex < node.log.lastIndex()) {
    progress.needsAppend = true;
    progress.needsEmptyAppend = true;
  }
}
