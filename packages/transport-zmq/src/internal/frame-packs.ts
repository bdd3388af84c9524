// A frame pack: several client frames in ONE ZeroMQ message part, so a coalesced batch costs one part
// instead of one per frame (libzmq and zeromq.js spend several µs of CPU per part on each side).
// Layout: the byte 0xc1, which msgpack never uses (so no frame starts with it), then for each frame a
// u32 little-endian length and the frame's bytes. A part not starting with 0xc1 is one plain frame.
// Pure byte work, no I/O.

export const framePackMarker = 0xc1;
const lengthBytes = 4;

/** The bytes of a pack holding frames of `frameBytes` bytes in all, `frameCount` of them. */
export function packBytes(frameCount: number, frameBytes: number): number {
  return 1 + frameCount * lengthBytes + frameBytes;
}

/** One part holding every frame, in order (each frame must be non-empty). */
export function packFrames(frames: readonly Uint8Array[]): Buffer {
  let frameBytes = 0;
  for (const frame of frames) frameBytes += frame.byteLength;
  const part = Buffer.allocUnsafe(packBytes(frames.length, frameBytes));
  part[0] = framePackMarker;
  let offset = 1;
  for (const frame of frames) {
    part.writeUInt32LE(frame.byteLength, offset);
    part.set(frame, offset + lengthBytes);
    offset += lengthBytes + frame.byteLength;
  }
  return part;
}

/**
 * The parts that carry `frames`, in order: consecutive frames share a pack while it stays within
 * `partBytesMax` bytes (the receiver's bound on one part); a frame that shares with none goes plain.
 */
export function partsOf(frames: readonly Uint8Array[], partBytesMax: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let group: Uint8Array[] = [];
  let groupBytes = 0;
  const close = (): void => {
    if (group.length === 1) parts.push(group[0]!);
    else if (group.length > 1) parts.push(packFrames(group));
    group = [];
    groupBytes = 0;
  };
  for (const frame of frames) {
    if (group.length > 0 && packBytes(group.length + 1, groupBytes + frame.byteLength) > partBytesMax)
      close();
    group.push(frame);
    groupBytes += frame.byteLength;
  }
  close();
  return parts;
}

export type PartFrames =
  | { readonly ok: true; readonly frames: Buffer[] }
  | { readonly ok: false; readonly reason: string };

/**
 * The frames of one received part: the part itself when it is a plain frame, else the pack's frames
 * (views into the part). A pack that is empty, holds an empty frame, is cut short, or holds more than
 * `framesMax` frames is refused whole: none of its frames can be trusted to be what was sent.
 */
export function framesOfPart(part: Buffer, framesMax: number): PartFrames {
  if (part.byteLength === 0 || part[0] !== framePackMarker) return { ok: true, frames: [part] };
  const frames: Buffer[] = [];
  let offset = 1;
  while (offset < part.byteLength) {
    if (frames.length === framesMax) return refused(`a frame pack holds more than ${framesMax} frames`);
    if (offset + lengthBytes > part.byteLength)
      return refused(`a frame pack ends inside a length at byte ${offset}`);
    const length = part.readUInt32LE(offset);
    const start = offset + lengthBytes;
    if (length === 0) return refused(`a frame pack holds an empty frame at byte ${offset}`);
    if (start + length > part.byteLength) {
      return refused(
        `a frame pack's frame at byte ${offset} runs ${start + length - part.byteLength} bytes past its end`,
      );
    }
    frames.push(part.subarray(start, start + length));
    offset = start + length;
  }
  if (frames.length === 0) return refused('a frame pack holds no frame');
  return { ok: true, frames };
}

function refused(reason: string): PartFrames {
  return { ok: false, reason };
}
