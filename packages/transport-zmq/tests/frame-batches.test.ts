// How one send() call becomes frames: grouping by destination, and splitting only past the
// protocol's per-frame message count or byte bound, dropping single messages no frame can hold.
import { decodePeerFrame, entryDataBytesMax, frameBytesMax, messagesPerFrameMax } from '@raftkv/protocol';
import type { Entry, Message } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import { encodeFrames, groupByDestination } from '../src/internal/frame-batches.js';
import { heartbeat, n1, n2, n3, vote } from './helpers.js';

function bigAppendEntries(sequence: number, entryCount: number): Message {
  const entries: Entry[] = Array.from({ length: entryCount }, (_, position) => ({
    index: 1 + position,
    term: 1,
    kind: 'command',
    data: new Uint8Array(entryDataBytesMax),
  }));
  return { ...heartbeat(n1, n2, sequence), entries } as Message;
}

describe('frame batches', () => {
  it('groups by destination and keeps each destination’s order', () => {
    const groups = groupByDestination([heartbeat(n1, n2, 1), vote(n1, n3), heartbeat(n1, n2, 2)]);
    expect([...groups.keys()]).toEqual([n2, n3]);
    expect(groups.get(n2)!.map((message) => (message as { sequence: number }).sequence)).toEqual([1, 2]);
  });

  it('a batch within bounds is exactly one frame', () => {
    const { frames, oversizedMessages } = encodeFrames([heartbeat(n1, n2, 1), heartbeat(n1, n2, 2)]);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.messageCount).toBe(2);
    expect(oversizedMessages).toBe(0);
  });

  it('a batch beyond messagesPerFrameMax splits into decodable frames in order', () => {
    const batch = Array.from({ length: messagesPerFrameMax + 10 }, (_, sequence) =>
      heartbeat(n1, n2, sequence),
    );
    const { frames } = encodeFrames(batch);
    expect(frames.map((frame) => frame.messageCount)).toEqual([messagesPerFrameMax, 10]);
    const decoded = frames.flatMap((frame) => {
      const result = decodePeerFrame(frame.bytes);
      return result.ok ? result.messages : [];
    });
    expect(decoded).toEqual(batch);
  });

  it('a batch beyond frameBytesMax splits by bytes; a single message too big for any frame is dropped', () => {
    const fits = bigAppendEntries(1, 1);
    const tooBig = bigAppendEntries(2, Math.ceil(frameBytesMax / entryDataBytesMax) + 1);
    const { frames, oversizedMessages } = encodeFrames([fits, fits, tooBig]);
    expect(oversizedMessages).toBe(1);
    expect(frames.map((frame) => frame.messageCount)).toEqual([1, 1]);
    for (const frame of frames) expect(frame.bytes.byteLength).toBeLessThanOrEqual(frameBytesMax);
  });
});
