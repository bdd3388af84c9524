// Encodes and decodes peer frames: {protocolVersion, messages} in one MessagePack value, so that all
// messages to one peer from one turn travel together. decodePeerFrame never throws. No I/O here.
// The common frames skip zod through a hand check that accepts nothing zod would refuse or change.
import type { Message } from '@raftkv/raft';
import { type DecodeError, decodeError, describeIssues } from './decode-result.js';
import { checkVersion } from './internal/check-version.js';
import { packValue, unpackBounded } from './internal/msgpack.js';
import { isCommonPeerFrame } from './internal/peer-frame-fast-path.js';
import { frameBytesMax, peerProtocolVersion } from './limits.js';
import { peerFrameSchema } from './peer-schemas.js';

export interface PeerFrame {
  readonly protocolVersion: number;
  readonly messages: readonly Message[];
}

export type PeerFrameDecodeResult =
  | { readonly ok: true; readonly messages: Message[] }
  | { readonly ok: false; readonly error: DecodeError };

/**
 * One frame holding `messages` (1..messagesPerFrameMax). The result may exceed frameBytesMax when
 * the messages are large: the caller checks the length and splits the batch (the transport does).
 */
export function encodePeerFrame(messages: readonly Message[]): Uint8Array {
  const frame: PeerFrame = { protocolVersion: peerProtocolVersion, messages };
  return packValue(frame);
}

/**
 * Size check, then MessagePack, then the version, then the hand check of the common frames (a frame
 * it accepts is exactly what the schema would return), else the schema. Every failure is typed.
 */
export function decodePeerFrame(bytes: Uint8Array): PeerFrameDecodeResult {
  const unpacked = unpackBounded(bytes, frameBytesMax);
  if (!unpacked.ok) return unpacked;
  const versionError = checkVersion(unpacked.value, peerProtocolVersion);
  if (versionError !== null) return { ok: false, error: versionError };
  if (isCommonPeerFrame(unpacked.value)) return { ok: true, messages: unpacked.value.messages };
  const parsed = peerFrameSchema.safeParse(unpacked.value);
  if (!parsed.success)
    return { ok: false, error: decodeError('invalid-frame', describeIssues(parsed.error)) };
  return { ok: true, messages: parsed.data.messages };
}
