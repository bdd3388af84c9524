// A bounded queue of frames in front of ONE ZeroMQ socket that coalesces them: frames queued for the
// same route (a ROUTER's client identity, or none on a DEALER) before a flush leave as ONE message
// [route?, part…], N frames and their bytes bounded, packed into as few parts as the receiver's part
// bound allows (frame-packs.ts). One awaited send() at a time (zeromq 6 forbids concurrent sends).
// Never throws into the caller: a full queue refuses the frame, and every queued frame reports how it
// ended to its own callback.
import { partsOf } from './frame-packs.js';
import type { SendingSocket, SendOutcome } from './serial-sender.js';

export interface CoalescingSenderLimits {
  /** Frames queued across all routes; beyond this maybeEnqueue refuses. */
  readonly framesMax: number;
  /** Bytes queued across all routes; beyond this maybeEnqueue refuses (one frame is always let in). */
  readonly bytesMax: number;
  /** Most frames in one message. */
  readonly framesPerMessageMax: number;
  /** Most frame bytes in one message; a single larger frame still leaves, alone. */
  readonly messageBytesMax: number;
  /** Most bytes of one part (the receiver's ZMQ_MAXMSGSIZE): frames share a pack only within it. */
  readonly partBytesMax: number;
}

/** Calls `flush` once the caller's current work is over, so frames queued meanwhile leave together. */
export type FlushScheduler = (flush: () => void) => void;

interface QueuedFrame {
  readonly frame: Uint8Array;
  readonly onSettled: (outcome: SendOutcome) => void;
}

interface RouteQueue {
  /** The routing id that prefixes every message of this route, or null (a DEALER has one peer). */
  readonly route: Buffer | null;
  readonly frames: QueuedFrame[];
}

interface OutgoingMessage {
  readonly parts: Uint8Array[];
  readonly frames: readonly QueuedFrame[];
}

export class CoalescingSender {
  /** Routes with queued frames, in the order they are served (a route served in part goes last). */
  private readonly routes = new Map<string, RouteQueue>();
  private queuedFrameCount = 0;
  private queuedBytes = 0;
  private flushScheduled = false;
  private draining = false;
  private closed = false;

  constructor(
    private readonly socket: SendingSocket,
    private readonly limits: CoalescingSenderLimits,
    private readonly scheduleFlush: FlushScheduler,
  ) {}

  /** Queues one frame for `route`; false (nothing queued) when the queue is full or the sender closed. */
  maybeEnqueue(route: Buffer | null, frame: Uint8Array, onSettled: (outcome: SendOutcome) => void): boolean {
    if (this.closed || this.queuedFrameCount >= this.limits.framesMax) return false;
    if (this.queuedBytes + frame.byteLength > this.limits.bytesMax && this.queuedFrameCount > 0) return false;
    const key = route === null ? '' : route.toString('latin1');
    let queue = this.routes.get(key);
    if (queue === undefined) {
      queue = { route, frames: [] };
      this.routes.set(key, queue);
    }
    queue.frames.push({ frame, onSettled });
    this.queuedFrameCount += 1;
    this.queuedBytes += frame.byteLength;
    if (!this.flushScheduled && !this.draining) {
      this.flushScheduled = true;
      this.scheduleFlush(this.onScheduledFlush);
    }
    return true;
  }

  /** Starts handing queued frames to the socket now instead of at the scheduled flush. */
  flush(): void {
    if (this.draining || this.closed || this.queuedFrameCount === 0) return;
    void this.drain();
  }

  queuedFrames(): number {
    return this.queuedFrameCount;
  }

  /** Stops sending; frames still queued settle as 'discarded'. A message in flight settles as it ends. */
  close(): void {
    this.closed = true;
    const discarded = [...this.routes.values()];
    this.routes.clear();
    this.queuedFrameCount = 0;
    this.queuedBytes = 0;
    for (const queue of discarded) for (const queued of queue.frames) queued.onSettled('discarded');
  }

  private readonly onScheduledFlush = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  /**
   * Sends message after message until nothing is queued (close() empties the queue, which ends it);
   * frames queued while a message is in flight join the next one.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    for (let message = this.takeMessage(); message !== null; message = this.takeMessage()) {
      const outcome = await this.trySend(message.parts);
      for (const queued of message.frames) queued.onSettled(outcome);
    }
    this.draining = false;
  }

  /** The first route's oldest frames, as many as one message may carry; null when nothing is queued. */
  private takeMessage(): OutgoingMessage | null {
    const first = this.routes.entries().next();
    if (first.done === true) return null;
    const [key, queue] = first.value;
    let count = 0;
    let bytes = 0;
    for (const queued of queue.frames) {
      if (count === this.limits.framesPerMessageMax) break;
      if (count > 0 && bytes + queued.frame.byteLength > this.limits.messageBytesMax) break;
      count += 1;
      bytes += queued.frame.byteLength;
    }
    const frames = queue.frames.splice(0, count);
    this.queuedFrameCount -= count;
    this.queuedBytes -= bytes;
    this.routes.delete(key);
    if (queue.frames.length > 0) this.routes.set(key, queue);
    const packed = partsOf(
      frames.map((queued) => queued.frame),
      this.limits.partBytesMax,
    );
    return { parts: queue.route === null ? packed : [queue.route, ...packed], frames };
  }

  /** ZeroMQ's refusals (EAGAIN at the high-water mark, a closed socket) are outcomes, not throws. */
  private async trySend(parts: Uint8Array[]): Promise<SendOutcome> {
    try {
      await this.socket.send(parts);
      return 'sent';
    } catch {
      return 'failed';
    }
  }
}
