// Turns one send() call's messages into encoded frames: grouped by destination (order kept within
// each destination), split only when a batch exceeds the protocol's count or byte bounds. No I/O.
import { encodePeerFrame, frameBytesMax, messagesPerFrameMax } from '@raftkv/protocol';
import type { Message, NodeId } from '@raftkv/raft';

export interface EncodedFrame {
  readonly bytes: Uint8Array;
  readonly messageCount: number;
}

export interface DestinationFrames {
  frames: EncodedFrame[];
  /** Single messages too large for any frame; the caller drops and counts them. */
  oversizedMessages: number;
}

export function groupByDestination(messages: readonly Message[]): Map<NodeId, Message[]> {
  const groups = new Map<NodeId, Message[]>();
  for (const message of messages) {
    const group = groups.get(message.to);
    if (group === undefined) groups.set(message.to, [message]);
    else group.push(message);
  }
  return groups;
}

/** Usually exactly one frame; more only past messagesPerFrameMax messages or frameBytesMax bytes. */
export function encodeFrames(messages: readonly Message[]): DestinationFrames {
  const result: DestinationFrames = { frames: [], oversizedMessages: 0 };
  for (let start = 0; start < messages.length; start += messagesPerFrameMax) {
    appendWithinBytes(messages.slice(start, start + messagesPerFrameMax), result);
  }
  return result;
}

/** Encodes `messages` as one frame, or halves the batch until each half fits frameBytesMax. */
function appendWithinBytes(messages: readonly Message[], result: DestinationFrames): void {
  const bytes = encodePeerFrame(messages);
  if (bytes.byteLength <= frameBytesMax) {
    result.frames.push({ bytes, messageCount: messages.length });
  } else if (messages.length === 1) {
    result.oversizedMessages += 1;
  } else {
    const middle = Math.ceil(messages.length / 2);
    appendWithinBytes(messages.slice(0, middle), result);
    appendWithinBytes(messages.slice(middle), result);
  }
}
