// Leadership transfer (thesis §3.10): TimeoutNow once the target is caught up.
import type { NodeId } from '../types.js';
import type { NodeState } from './node-state.js';
import type { Progress } from './progress.js';

export function maybeSendTimeoutNow(node: NodeState, to: NodeId, progress: Progress): boolean {
  if (node.transferTarget !== to || progress.matchIndex !== node.log.lastIndex()) return false;
  node.outbox.push({ type: 'TimeoutNow', term: node.term, from: node.id, to });
  return true;
}
