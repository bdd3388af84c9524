// Linearizable reads at a follower (thesis §6.4.1): the follower asks the leader for a read index,
// ONE ReadIndex request per Ready covering every read queued since the previous one, and turns the
// leader's answer into a ReadState per read; the app serves each once it has applied that index.
// Requests are abandoned (the app fails their reads, clients retry) when the leader changes or
// stays silent for an election timeout.
import type { LogIndex, NodeId } from '../types.js';
import type { NodeState } from './node-state.js';

interface OutstandingRequest {
  readonly contexts: readonly number[];
  readonly sentAtTick: number;
  readonly leader: NodeId;
}

/**
 * Request ids start at a random multiple of 2^20 drawn on first use, so that a leader's answer to a
 * request of this follower's previous incarnation (same term after a restart) cannot be mistaken
 * for an answer to a new one: its read index could predate writes the new read must see.
 */
const requestIdsPerIncarnation = 2 ** 20;

export class FollowerReadRequests {
  private queued: number[] = [];
  private readonly outstanding = new Map<number, OutstandingRequest>();
  private nextRequest: number | null = null;
  private ticks = 0;
  /** Contexts given up on since the last Ready; the app fails their reads. */
  abandoned: number[] = [];

  get queuedCount(): number {
    return this.queued.length;
  }

  get outstandingCount(): number {
    return this.outstanding.size;
  }

  queue(context: number): void {
    this.queued.push(context);
  }

  /** Sends one request for every queued read to `leader` (called when a Ready is assembled). */
  flush(node: NodeState): void {
    if (this.queued.length === 0) return;
    const leader = node.leaderId;
    if (node.role !== 'follower' || leader === null || leader === node.id) {
      this.abandonAll();
      return;
    }
    const request = this.takeRequestId(node);
    this.outstanding.set(request, { contexts: this.queued, sentAtTick: this.ticks, leader });
    this.queued = [];
    node.outbox.push({ type: 'ReadIndex', term: node.term, from: node.id, to: leader, request });
  }

  /** The leader confirmed `index` for `request` (thesis §6.4.1): each of its reads may be served at it. */
  answered(node: NodeState, from: NodeId, request: number, index: LogIndex): void {
    const outstanding = this.outstanding.get(request);
    if (outstanding === undefined || outstanding.leader !== from) return;
    this.outstanding.delete(request);
    for (const context of outstanding.contexts) node.readStates.push({ context, index });
  }

  /** One tick: abandons the requests the leader left unanswered for an election timeout. */
  tick(electionTimeoutTicks: number): void {
    this.ticks += 1;
    if (this.outstanding.size === 0) return;
    for (const [request, outstanding] of this.outstanding) {
      if (this.ticks - outstanding.sentAtTick < electionTimeoutTicks) continue;
      this.outstanding.delete(request);
      for (const context of outstanding.contexts) this.abandoned.push(context);
    }
  }

  /** The leader this node asked is gone (new term, new role, or no leader): nobody will answer. */
  abandonAll(): void {
    for (const context of this.queued) this.abandoned.push(context);
    this.queued = [];
    for (const outstanding of this.outstanding.values()) {
      for (const context of outstanding.contexts) this.abandoned.push(context);
    }
    this.outstanding.clear();
  }

  takeAbandoned(): number[] {
    const abandoned = this.abandoned;
    this.abandoned = [];
    return abandoned;
  }

  private takeRequestId(node: NodeState): number {
    if (this.nextRequest === null || this.nextRequest % requestIdsPerIncarnation === 0) {
      this.nextRequest = node.random.nextInt(2 ** 32) * requestIdsPerIncarnation + 1;
    }
    const request = this.nextRequest;
    this.nextRequest += 1;
    return request;
  }
}
