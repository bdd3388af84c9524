// Frame packs (several client frames in one ZeroMQ part): the exact layout, round trips, how frames
// are grouped under a part bound, and every malformed pack refused whole with a reason.
import { describe, expect, it } from 'vitest';
import {
  framePackMarker,
  framesOfPart,
  packBytes,
  packFrames,
  partsOf,
} from '../src/internal/frame-packs.js';

const frame = (length: number, fill: number): Uint8Array => new Uint8Array(length).fill(fill);

/** A pack built by hand from [length field, bytes] pairs, so malformed packs can be written too. */
function handPack(pieces: ReadonlyArray<[number, Uint8Array]>): Buffer {
  const parts: Buffer[] = [Buffer.of(framePackMarker)];
  for (const [length, bytes] of pieces) {
    const field = Buffer.alloc(4);
    field.writeUInt32LE(length);
    parts.push(field, Buffer.from(bytes));
  }
  return Buffer.concat(parts);
}

describe('frame packs', () => {
  it('lays frames out as the marker, then a u32 little-endian length and the bytes of each', () => {
    const packed = packFrames([Uint8Array.of(0x81, 0x01), Uint8Array.of(0x90)]);
    expect([...packed]).toEqual([0xc1, 2, 0, 0, 0, 0x81, 0x01, 1, 0, 0, 0, 0x90]);
    expect(packed.byteLength).toBe(packBytes(2, 3));
  });

  it('round trips any number of frames of any sizes, in order', () => {
    const frames = [frame(1, 1), frame(300, 2), frame(70_000, 3), frame(5, 4)];
    const unpacked = framesOfPart(packFrames(frames), 10);
    expect(unpacked.ok).toBe(true);
    if (unpacked.ok) expect(unpacked.frames.map((each) => new Uint8Array(each))).toEqual(frames);
  });

  it('a part not starting with the marker is one plain frame, returned as is', () => {
    const plain = Buffer.from([0x82, 0xa1, 0x61, 0x01]);
    expect(framesOfPart(plain, 1)).toEqual({ ok: true, frames: [plain] });
    const empty = Buffer.alloc(0);
    expect(framesOfPart(empty, 1)).toEqual({ ok: true, frames: [empty] });
  });

  it('refuses a pack with no frame, an empty frame, a cut-off length, a frame past the end, or too many frames', () => {
    const cases: Array<[Buffer, string]> = [
      [Buffer.of(framePackMarker), 'holds no frame'],
      [handPack([[0, new Uint8Array(0)]]), 'holds an empty frame at byte 1'],
      [Buffer.concat([handPack([[1, frame(1, 9)]]), Buffer.of(3, 0)]), 'ends inside a length at byte 6'],
      [handPack([[5, frame(4, 9)]]), 'frame at byte 1 runs 1 bytes past its end'],
      [
        handPack([
          [1, frame(1, 9)],
          [0xffff_ffff, frame(2, 9)],
        ]),
        'frame at byte 6 runs',
      ],
      [packFrames([frame(1, 1), frame(1, 2), frame(1, 3)]), 'holds more than 2 frames'],
    ];
    for (const [part, reason] of cases) {
      const unpacked = framesOfPart(part, 2);
      expect(unpacked.ok, reason).toBe(false);
      if (!unpacked.ok) expect(unpacked.reason).toContain(reason);
    }
    expect(framesOfPart(packFrames([frame(1, 1), frame(1, 2)]), 2).ok).toBe(true);
  });

  it('partsOf packs consecutive frames up to the part bound, exactly, and sends a lone frame plain', () => {
    const frames = [frame(10, 0), frame(10, 1), frame(10, 2), frame(10, 3), frame(100, 4), frame(10, 5)];
    // Three 10-byte frames make a 43-byte pack; a fourth would make 57.
    const parts = partsOf(frames, packBytes(3, 30));
    expect(parts.map((part) => part.byteLength)).toEqual([43, 10, 100, 10]);
    expect(parts[0]![0]).toBe(framePackMarker);
    expect(parts.slice(1)).toEqual([frames[3], frames[4], frames[5]]);
    expect(partsOf(frames.slice(0, 4), packBytes(4, 40))).toHaveLength(1);
    expect(partsOf([], 100)).toEqual([]);
  });
});
