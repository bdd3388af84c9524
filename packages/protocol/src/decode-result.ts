// The typed outcome of decoding bytes from the network: a value, or an error code with a short
// human message. Decoders return these and never throw; this file holds types and helpers only.
import type { z } from 'zod';

export type DecodeErrorCode =
  /** The frame is larger than the limit for its kind; nothing was decoded. */
  | 'frame-too-large'
  /** The bytes are not exactly one well-formed MessagePack value. */
  | 'malformed-msgpack'
  /** The envelope names a protocol version this build does not speak. */
  | 'unsupported-version'
  /** Well-formed MessagePack whose shape, types or bounds do not match the schema. */
  | 'invalid-frame';

export interface DecodeError {
  readonly code: DecodeErrorCode;
  readonly message: string;
}

export const decodeError = (code: DecodeErrorCode, message: string): DecodeError => ({ code, message });

/** The first few schema issues as one line, e.g. `messages.0.term: Invalid input (+2 more)`. */
export function describeIssues(error: z.ZodError): string {
  const issuesShown = 3;
  const described = error.issues
    .slice(0, issuesShown)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  const hidden = error.issues.length - issuesShown;
  return hidden > 0 ? `${described.join('; ')} (+${hidden} more)` : described.join('; ');
}
