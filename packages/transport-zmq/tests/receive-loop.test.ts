// The receive loop bounds one event-loop turn by frames handled (request parts), not by messages: a
// stream of large multipart messages still yields to timers after receiveFramesPerTurnMax frames.
import { describe, expect, it } from 'vitest';
import type { Readable, Socket } from 'zeromq';
import { receiveLoop } from '../src/internal/receive-loop.js';
import { receiveFramesPerTurnMax } from '../src/limits.js';

/** A socket that always has another message of `partsPerMessage` parts ready, until closed. */
function endlessSocket(partsPerMessage: number): Readable & Socket {
  const socket = {
    closed: false,
    receive: async (): Promise<Buffer[]> => {
      if (socket.closed) throw new Error('closed');
      return Array.from({ length: partsPerMessage }, () => Buffer.of(1));
    },
  };
  return socket as unknown as Readable & Socket;
}

describe('receiveLoop', () => {
  it('yields to the event loop once receiveFramesPerTurnMax frames were handled, counting every part', async () => {
    const partsPerMessage = 100;
    const socket = endlessSocket(partsPerMessage);
    let framesHandled = 0;
    receiveLoop(socket, (parts) => {
      framesHandled += parts.length;
      return parts.length;
    });
    const handledBeforeYield = await new Promise<number>((resolve) =>
      setImmediate(() => resolve(framesHandled)),
    );
    (socket as unknown as { closed: boolean }).closed = true;
    const messagesPerTurn = Math.ceil(receiveFramesPerTurnMax / partsPerMessage);
    expect(handledBeforeYield).toBe(messagesPerTurn * partsPerMessage);
  });
});
