// CoalescingSender against a scripted socket: which frames leave together, how they are packed into
// parts, the per-message, per-part and queue bounds (exact), outcomes for failed and discarded frames,
// flush(), and fairness between routes.
import { describe, expect, it } from 'vitest';
import { CoalescingSender, type CoalescingSenderLimits } from '../src/internal/coalescing-sender.js';
import { framePackMarker, framesOfPart } from '../src/internal/frame-packs.js';
import type { SendOutcome } from '../src/internal/serial-sender.js';

/** Records every send; each send stays in flight until the test settles it. */
class ScriptedSocket {
  readonly messages: Uint8Array[][] = [];
  private readonly settles: Array<(error?: Error) => void> = [];

  send(parts: unknown): Promise<void> {
    this.messages.push(parts as Uint8Array[]);
    return new Promise((resolve, reject) => {
      this.settles.push((error) => (error === undefined ? resolve() : reject(error)));
    });
  }

  /** Completes the oldest send in flight (or fails it), then lets the sender continue. */
  async complete(error?: Error): Promise<void> {
    const settle = this.settles.shift();
    if (settle === undefined) throw new Error('no send in flight');
    settle(error);
    await flushMicrotasks();
  }

  get inFlight(): number {
    return this.settles.length;
  }
}

const flushMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const roomy: CoalescingSenderLimits = {
  framesMax: 100,
  bytesMax: 10_000,
  framesPerMessageMax: 4,
  messageBytesMax: 1000,
  partBytesMax: 5000,
};

/** A sender whose scheduled flush runs only when the test calls runScheduled(). */
function harness(limits: CoalescingSenderLimits = roomy) {
  const socket = new ScriptedSocket();
  const scheduled: Array<() => void> = [];
  const sender = new CoalescingSender(socket, limits, (flush) => scheduled.push(flush));
  const outcomes: Array<[number, SendOutcome]> = [];
  let nextFrame = 0;
  const enqueue = (route: string | null, bytes = 10): boolean => {
    const id = nextFrame++;
    const frame = new Uint8Array(bytes).fill(id % 256);
    const routeBytes = route === null ? null : Buffer.from(route, 'latin1');
    return sender.maybeEnqueue(routeBytes, frame, (outcome) => outcomes.push([id, outcome]));
  };
  const runScheduled = (): void => {
    for (const flush of scheduled.splice(0)) flush();
  };
  /**
   * The frame ids of each sent message (first byte of each frame, a pack's frames in its place), route
   * parts shown as strings (a route is a Buffer; the test's frames are plain Uint8Arrays).
   */
  const shapes = (): Array<Array<number | string>> =>
    socket.messages.map((parts) =>
      parts.flatMap((part): Array<number | string> => {
        if (Buffer.isBuffer(part) && part[0] !== framePackMarker) return [part.toString('latin1')];
        const unpacked = framesOfPart(Buffer.from(part.buffer, part.byteOffset, part.byteLength), 1000);
        if (!unpacked.ok) throw new Error(unpacked.reason);
        return unpacked.frames.map((frame) => frame[0]!);
      }),
    );
  return { socket, sender, scheduled, outcomes, enqueue, runScheduled, shapes };
}

describe('CoalescingSender', () => {
  it('sends nothing until the scheduled flush, then one message per route with its routing id first', () => {
    const { socket, enqueue, runScheduled, shapes, scheduled } = harness();
    enqueue('A');
    enqueue('B');
    enqueue('A');
    expect(scheduled).toHaveLength(1);
    expect(socket.messages).toHaveLength(0);
    runScheduled();
    expect(shapes()).toEqual([['A', 0, 2]]);
  });

  it('a DEALER route (null) sends the frames alone, without a prefix part', async () => {
    const { socket, enqueue, runScheduled, shapes } = harness();
    enqueue(null);
    enqueue(null);
    runScheduled();
    expect(shapes()).toEqual([[0, 1]]);
    await socket.complete();
  });

  it('splits at framesPerMessageMax frames and at messageBytesMax bytes; a bigger frame goes alone', async () => {
    const { socket, enqueue, runScheduled, shapes } = harness();
    for (let frame = 0; frame < 6; frame += 1) enqueue(null); // 0..5, 10 bytes each
    enqueue(null, 600); // 6
    enqueue(null, 600); // 7: 600 + 600 > 1000
    enqueue(null, 2000); // 8: alone, larger than a message may be
    enqueue(null); // 9
    runScheduled();
    while (socket.inFlight > 0) await socket.complete();
    expect(shapes()).toEqual([[0, 1, 2, 3], [4, 5, 6], [7], [8], [9]]);
  });

  it('a message of several frames is one frame pack; a message of one frame is that frame, unpacked', async () => {
    const { socket, enqueue, runScheduled } = harness();
    enqueue('A');
    enqueue('A');
    enqueue('A');
    runScheduled();
    await socket.complete();
    enqueue(null, 7);
    runScheduled();
    const [routed, single] = socket.messages;
    expect(routed).toHaveLength(2);
    expect(Buffer.from(routed![0]!).toString('latin1')).toBe('A');
    expect(routed![1]![0]).toBe(framePackMarker);
    expect(routed![1]!.byteLength).toBe(1 + 3 * (4 + 10));
    expect(single).toEqual([new Uint8Array(7).fill(3)]);
  });

  it('frames share a pack only while it stays within partBytesMax bytes, exactly', async () => {
    // A pack of n frames of b bytes each takes 1 + n·(4 + b) bytes: three 10-byte frames take 43.
    const { socket, enqueue, runScheduled } = harness({ ...roomy, partBytesMax: 43 });
    for (let frame = 0; frame < 4; frame += 1) enqueue(null); // one message: packs of 3, then 1
    runScheduled();
    expect(socket.messages).toHaveLength(1);
    const [parts] = socket.messages;
    expect(parts!.map((part) => part.byteLength)).toEqual([43, 10]);
    expect(parts![0]![0]).toBe(framePackMarker);
    expect(parts![1]).toEqual(new Uint8Array(10).fill(3));
  });

  it('every frame of a sent message settles sent; of a refused message failed', async () => {
    const { socket, enqueue, runScheduled, outcomes } = harness();
    enqueue(null);
    enqueue(null);
    runScheduled();
    await socket.complete(new Error('EAGAIN'));
    enqueue(null);
    runScheduled();
    await socket.complete();
    expect(outcomes).toEqual([
      [0, 'failed'],
      [1, 'failed'],
      [2, 'sent'],
    ]);
  });

  it('refuses a frame beyond framesMax queued frames, exactly', () => {
    const { sender, enqueue } = harness({ ...roomy, framesMax: 5 });
    const accepted = Array.from({ length: 7 }, () => enqueue(null));
    expect(accepted).toEqual([true, true, true, true, true, false, false]);
    expect(sender.queuedFrames()).toBe(5);
  });

  it('refuses a frame beyond bytesMax queued bytes but always lets one frame in', () => {
    const { enqueue } = harness({ ...roomy, bytesMax: 100 });
    expect(enqueue(null, 500)).toBe(true);
    expect(enqueue(null, 1)).toBe(false);
    const other = harness({ ...roomy, bytesMax: 100 });
    expect([other.enqueue(null, 60), other.enqueue(null, 40), other.enqueue(null, 1)]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('frames queued while a message is in flight leave together in the next message', async () => {
    const { socket, enqueue, runScheduled, shapes, scheduled } = harness();
    enqueue(null);
    runScheduled();
    enqueue(null);
    enqueue(null);
    expect(scheduled).toHaveLength(0);
    await socket.complete();
    await socket.complete();
    expect(shapes()).toEqual([[0], [1, 2]]);
  });

  it('flush() sends at once, without waiting for the scheduled flush', () => {
    const { socket, sender, enqueue, runScheduled } = harness();
    enqueue('A');
    sender.flush();
    expect(socket.messages).toHaveLength(1);
    runScheduled();
    expect(socket.messages).toHaveLength(1);
  });

  it('serves routes in turn: a route with many frames does not hold back another', async () => {
    const { socket, enqueue, runScheduled, shapes } = harness();
    for (let frame = 0; frame < 8; frame += 1) enqueue('A'); // 0..7
    enqueue('B'); // 8
    runScheduled();
    while (socket.inFlight > 0) await socket.complete();
    expect(shapes()).toEqual([
      ['A', 0, 1, 2, 3],
      ['B', 8],
      ['A', 4, 5, 6, 7],
    ]);
  });

  it('close() discards queued frames at once; the message in flight settles as its send ends', async () => {
    const { socket, sender, enqueue, runScheduled, outcomes } = harness({ ...roomy, framesPerMessageMax: 1 });
    enqueue(null);
    enqueue(null);
    runScheduled();
    sender.close();
    expect(outcomes).toEqual([[1, 'discarded']]);
    expect(enqueue(null)).toBe(false);
    await socket.complete();
    expect(outcomes).toEqual([
      [1, 'discarded'],
      [0, 'sent'],
    ]);
    expect(socket.messages).toHaveLength(1);
  });
});
