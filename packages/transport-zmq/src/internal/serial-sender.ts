// A bounded FIFO in front of ONE ZeroMQ socket: zeromq 6 forbids concurrent send() on a socket, so
// frames go out one awaited send at a time. Never throws into the caller: a full queue refuses the
// frame (the caller counts it), and every queued frame reports how it ended to its own callback.
import type { MessageLike } from 'zeromq';

export interface SendingSocket {
  send(message: MessageLike | MessageLike[]): Promise<void>;
}

export interface SerialSenderLimits {
  readonly framesMax: number;
  readonly bytesMax: number;
}

/** 'sent': ZeroMQ took it; 'failed': ZeroMQ refused it; 'discarded': still queued at close(). */
export type SendOutcome = 'sent' | 'failed' | 'discarded';

interface QueuedFrame {
  readonly parts: MessageLike | MessageLike[];
  readonly bytes: number;
  readonly onSettled: (outcome: SendOutcome) => void;
}

export class SerialSender {
  private readonly queue: QueuedFrame[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private draining = false;
  private closed = false;

  constructor(
    private readonly socket: SendingSocket,
    private readonly limits: SerialSenderLimits,
  ) {}

  /** Queues one frame; false (nothing queued) when the queue is full or the sender is closed. */
  maybeEnqueue(
    parts: MessageLike | MessageLike[],
    bytes: number,
    onSettled: (outcome: SendOutcome) => void,
  ): boolean {
    if (this.closed) return false;
    if (this.queuedFrames() >= this.limits.framesMax) return false;
    if (this.queuedBytes + bytes > this.limits.bytesMax && this.queuedFrames() > 0) return false;
    this.queue.push({ parts, bytes, onSettled });
    this.queuedBytes += bytes;
    if (!this.draining) void this.drain();
    return true;
  }

  queuedFrames(): number {
    return this.queue.length - this.queueHead;
  }

  /** Stops sending; frames still queued settle as 'discarded'. The frame in flight settles as it ends. */
  close(): void {
    this.closed = true;
    const discarded = this.queue.slice(this.queueHead);
    this.queue.length = 0;
    this.queueHead = 0;
    this.queuedBytes = 0;
    for (const frame of discarded) frame.onSettled('discarded');
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (!this.closed && this.queueHead < this.queue.length) {
      const frame = this.queue[this.queueHead]!;
      this.queueHead += 1;
      this.queuedBytes -= frame.bytes;
      this.compactQueue();
      frame.onSettled(await this.trySend(frame.parts));
    }
    this.draining = false;
  }

  /** ZeroMQ's refusals (EAGAIN at the high-water mark, a closed socket) are outcomes, not throws. */
  private async trySend(parts: MessageLike | MessageLike[]): Promise<SendOutcome> {
    try {
      await this.socket.send(parts);
      return 'sent';
    } catch {
      return 'failed';
    }
  }

  /** Drops consumed slots once they dominate the array, so the queue stays O(1) amortised. */
  private compactQueue(): void {
    if (this.queueHead > 64 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }
}
