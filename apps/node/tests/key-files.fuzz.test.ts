// Fuzzing the credential files raftkvd reads at start and on SIGHUP: the key pair, the client
// allow-list, the HTTP tokens and the join credential (valid files mutated, and random bytes). Each
// parser answers a value or a message; it never throws, and what it accepts is well-formed.
// `npm run fuzz`: 100,000 each.
import { fuzzBytes, fuzzDecoder, fuzzTimeoutMs } from '@raftkv/testkit/fuzz';
import { generateCurveKeyPair, isCurveKey } from '@raftkv/transport-zmq';
import { describe, expect, it } from 'vitest';
import {
  type Parsed,
  parseClientKeysFile,
  parseJoinTokenFile,
  parseKeyPairFile,
  parseTokensFile,
  tokenLengthMin,
} from '../src/key-files.js';

const encoder = new TextEncoder();
const pair = generateCurveKeyPair();
const other = generateCurveKeyPair();
const token = 'q3Yk2n8-vX_4LrT0aZc9WmE1bH6uJ5sD7fG2hK4pN0o';

function outcome<T>(parsed: Parsed<T>, check: (value: T) => void) {
  if (!parsed.ok) {
    expect(parsed.message.length).toBeGreaterThan(0);
    return { accepted: false as const, kind: parsed.message.split(':')[0]!.replace(/\d+/g, 'N') };
  }
  check(parsed.value);
  return { accepted: true as const };
}

const wellFormedToken = (value: string) => {
  expect(value.length).toBeGreaterThanOrEqual(tokenLengthMin);
  expect(value).toMatch(/^[\x21-\x7e]+$/);
};

describe('fuzzing the credential files', () => {
  it(
    'a key pair file of any bytes: two Z85 keys, or a message',
    () => {
      const samples = [JSON.stringify(pair), `${JSON.stringify(other)}\n`].map((text) =>
        encoder.encode(text),
      );
      fuzzDecoder('key pair file', fuzzBytes(samples), (bytes) =>
        outcome(parseKeyPairFile(new TextDecoder().decode(bytes)), (value) => {
          expect(isCurveKey(value.publicKey) && isCurveKey(value.secretKey)).toBe(true);
        }),
      );
    },
    fuzzTimeoutMs(),
  );

  it(
    'a client allow-list of any bytes: Z85 keys only, or a message',
    () => {
      const samples = [`# clients\n${pair.publicKey} cli\n\n${other.publicKey}\n`, `${pair.publicKey}\n`].map(
        (text) => encoder.encode(text),
      );
      fuzzDecoder('client keys file', fuzzBytes(samples), (bytes) =>
        outcome(parseClientKeysFile(new TextDecoder().decode(bytes)), (keys) => {
          for (const key of keys) expect(isCurveKey(key)).toBe(true);
        }),
      );
    },
    fuzzTimeoutMs(),
  );

  it(
    'an HTTP tokens file of any bytes: well-formed tokens only, or a message',
    () => {
      const samples = [`# api\n${token} ops\n\n${token.toUpperCase()}\n`, `${token}\n`].map((text) =>
        encoder.encode(text),
      );
      fuzzDecoder('http tokens file', fuzzBytes(samples), (bytes) =>
        outcome(parseTokensFile(new TextDecoder().decode(bytes)), (tokens) => {
          for (const value of tokens) wellFormedToken(value);
        }),
      );
    },
    fuzzTimeoutMs(),
  );

  it(
    'a join credential file of any bytes: exactly one well-formed token, or a message',
    () => {
      const samples = [`${token}\n`, `# join\n${token}\n`].map((text) => encoder.encode(text));
      fuzzDecoder('join token file', fuzzBytes(samples), (bytes) =>
        outcome(parseJoinTokenFile(new TextDecoder().decode(bytes)), wellFormedToken),
      );
    },
    fuzzTimeoutMs(),
  );
});
