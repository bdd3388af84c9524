// Fuzzing the frame-pack decoder (one received ZeroMQ part → its frames): for any bytes it returns
// the frames or a refusal, never throws; accepted frames are non-empty, within the bound, and tile
// the part exactly, so re-packing them gives back the same bytes. `npm run fuzz` runs 100,000.
import { fuzzBytes, fuzzDecoder, fuzzTimeoutMs } from '@raftkv/testkit/fuzz';
import { describe, expect, it } from 'vitest';
import { framePackMarker, framesOfPart, packFrames } from '../src/internal/frame-packs.js';

const framesMax = 64;
const frame = (length: number, fill: number) => new Uint8Array(length).fill(fill);
const samples = [
  packFrames([frame(3, 1)]),
  packFrames([frame(1, 2), frame(40, 3), frame(7, 4)]),
  packFrames(Array.from({ length: framesMax }, (_, position) => frame(1 + (position % 5), position))),
  frame(12, 0x82),
];

describe('fuzzing the frame-pack decoder', () => {
  it(
    'framesOfPart: frames that tile the part, or a refusal, for any bytes',
    () => {
      fuzzDecoder('framesOfPart', fuzzBytes(samples), (bytes) => {
        const part = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const result = framesOfPart(part, framesMax);
        if (!result.ok) {
          expect(result.reason.length).toBeGreaterThan(0);
          return { accepted: false, kind: 'refused' };
        }
        if (part.byteLength === 0 || part[0] !== framePackMarker) {
          expect(result.frames).toEqual([part]);
          return { accepted: true };
        }
        expect(result.frames.length).toBeGreaterThan(0);
        expect(result.frames.length).toBeLessThanOrEqual(framesMax);
        for (const decoded of result.frames) expect(decoded.byteLength).toBeGreaterThan(0);
        expect(Buffer.compare(packFrames(result.frames), part)).toBe(0);
        return { accepted: true };
      });
    },
    fuzzTimeoutMs(),
  );
});
