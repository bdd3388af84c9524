// Reads a ZeroMQ socket until it closes and hands each multipart message to a synchronous handler,
// which returns how many frames (requests, replies, peer frames) it handled; the loop yields to the
// event loop once receiveFramesPerTurnMax frames were handled, so timers and sends keep running.
// A closed socket ends the loop quietly; an exception from the handler is a programmer error and
// is left to surface as an unhandled rejection (it must crash, not be swallowed).
import { setImmediate } from 'node:timers/promises';
import type { Readable, Socket } from 'zeromq';
import { receiveFramesPerTurnMax } from '../limits.js';

/** Handles one received message; returns the number of frames it handled (at least 1). */
export type MessageHandler = (parts: Buffer[]) => number;

export function receiveLoop(socket: Readable & Socket, onParts: MessageHandler): void {
  void run(socket, onParts);
}

async function run(socket: Readable & Socket, onParts: MessageHandler): Promise<void> {
  let framesThisTurn = 0;
  for (;;) {
    const parts = await receiveOrNull(socket);
    if (parts === null) return;
    framesThisTurn += onParts(parts);
    if (framesThisTurn >= receiveFramesPerTurnMax) {
      framesThisTurn = 0;
      await setImmediate();
    }
  }
}

/** The next message, or null once the socket is closed (ZeroMQ rejects the pending receive then). */
async function receiveOrNull(socket: Readable & Socket): Promise<Buffer[] | null> {
  try {
    return await socket.receive();
  } catch (error) {
    if (socket.closed) return null;
    throw error;
  }
}
