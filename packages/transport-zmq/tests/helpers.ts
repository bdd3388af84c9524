// Test helpers for the ZeroMQ contract tests: polling with a generous deadline (never a speed
// assumption) and small message builders. Test-only.
import { type Message, type NodeId, nodeId } from '@raftkv/raft';
import { framesOfPart } from '../src/internal/frame-packs.js';

/** Polls `condition` every few milliseconds until it holds; fails after `deadlineMs` (generous). */
export async function eventually(condition: () => boolean, what: string, deadlineMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > deadlineMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Re-runs `attempt` until `condition` holds: ZeroMQ drops frames until a connection is up. */
export async function retryUntil(attempt: () => void, condition: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > 15_000) throw new Error(`timed out waiting for: ${what}`);
    attempt();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function heartbeat(from: NodeId, to: NodeId, sequence: number): Message {
  return {
    type: 'AppendEntries',
    term: 1,
    from,
    to,
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [],
    leaderCommit: 0,
    sequence,
  };
}

export function vote(from: NodeId, to: NodeId): Message {
  return { type: 'RequestVoteResponse', term: 1, from, to, voteGranted: true, preVote: false };
}

export const n1 = nodeId('n1');
export const n2 = nodeId('n2');
export const n3 = nodeId('n3');

/** The client frames a raw message's parts carry, a frame pack's frames in its place (as the endpoints read them). */
export function framesOfParts(parts: readonly Buffer[]): Buffer[] {
  return parts.flatMap((part) => {
    const unpacked = framesOfPart(part, Number.MAX_SAFE_INTEGER);
    if (!unpacked.ok) throw new Error(`a bad frame pack: ${unpacked.reason}`);
    return unpacked.frames;
  });
}
