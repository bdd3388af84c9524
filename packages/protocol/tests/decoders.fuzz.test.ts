// Fuzzing the wire decoders at the trust boundary (client and peer frames): random bytes and mutated
// valid frames must decode to a value or a typed DecodeError, never throw; and whatever decodes must
// encode and decode to the same value (no input means two things). `npm run fuzz` runs 100,000 each.
import { fuzzBytes, fuzzDecoder, fuzzTimeoutMs } from '@raftkv/testkit/fuzz';
import { describe, expect, it } from 'vitest';
import {
  type DecodeError,
  decodeClientRequest,
  decodeClientResponse,
  decodePeerFrame,
  encodeClientRequest,
  encodeClientResponse,
  encodePeerFrame,
} from '../src/index.js';
import { MessageGenerator, messageTypes } from './generate-messages.js';
import { requests, responses } from './sample-client-frames.js';

const generator = new MessageGenerator(7);
const peerFrames = [
  ...messageTypes.map((type) => encodePeerFrame([generator.message(type)])),
  encodePeerFrame(messageTypes.map((type) => generator.message(type))),
  encodePeerFrame([]),
];

const refused = (error: DecodeError) => ({ accepted: false, kind: error.code }) as const;

/** Decodes, and for a decoded value checks that re-encoding it decodes to the same value. */
function roundTrips<T>(
  value: T,
  reencode: (value: T) => Uint8Array,
  redecode: (bytes: Uint8Array) => unknown,
) {
  expect(redecode(reencode(value))).toEqual({ ok: true, value });
}

describe('fuzzing the wire decoders', () => {
  it(
    'decodeClientRequest: a request or a typed error, for any bytes',
    () => {
      const samples = requests.map((body, position) => encodeClientRequest(position + 1, body));
      fuzzDecoder('decodeClientRequest', fuzzBytes(samples), (bytes) => {
        const decoded = decodeClientRequest(bytes);
        if (!decoded.ok) return refused(decoded.error);
        const { protocolVersion: _version, requestId, ...body } = decoded.request;
        roundTrips(
          decoded.request,
          () => encodeClientRequest(requestId, body),
          (again) => {
            const result = decodeClientRequest(again);
            return result.ok ? { ok: true, value: result.request } : result;
          },
        );
        return { accepted: true };
      });
    },
    fuzzTimeoutMs(),
  );

  it(
    'decodeClientResponse: a response or a typed error, for any bytes',
    () => {
      const samples = responses.map((body, position) => encodeClientResponse(position + 1, body));
      fuzzDecoder('decodeClientResponse', fuzzBytes(samples), (bytes) => {
        const decoded = decodeClientResponse(bytes);
        if (!decoded.ok) return refused(decoded.error);
        const { protocolVersion: _version, requestId, ...body } = decoded.response;
        roundTrips(
          decoded.response,
          () => encodeClientResponse(requestId, body),
          (again) => {
            const result = decodeClientResponse(again);
            return result.ok ? { ok: true, value: result.response } : result;
          },
        );
        return { accepted: true };
      });
    },
    fuzzTimeoutMs(),
  );

  it(
    'decodePeerFrame: messages or a typed error, for any bytes',
    () => {
      fuzzDecoder('decodePeerFrame', fuzzBytes(peerFrames), (bytes) => {
        const decoded = decodePeerFrame(bytes);
        if (!decoded.ok) return refused(decoded.error);
        roundTrips(decoded.messages, encodePeerFrame, (again) => {
          const result = decodePeerFrame(again);
          return result.ok ? { ok: true, value: result.messages } : result;
        });
        return { accepted: true };
      });
    },
    fuzzTimeoutMs(),
  );
});
