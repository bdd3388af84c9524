// The key pair and client allow-list file formats: good files parse, bad ones give a clear message.
import { generateCurveKeyPair } from '@raftkv/transport-zmq';
import { describe, expect, it } from 'vitest';
import { parseClientKeysFile, parseKeyPairFile } from '../src/key-files.js';

describe('key files', () => {
  it('reads a key pair file and refuses malformed ones', () => {
    const pair = generateCurveKeyPair();
    expect(parseKeyPairFile(JSON.stringify(pair))).toEqual({ ok: true, value: pair });
    expect(parseKeyPairFile('{')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not valid JSON/),
    });
    expect(parseKeyPairFile(JSON.stringify({ ...pair, secretKey: 'short' }))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/"secretKey" is not a 40-character Z85 CURVE key/),
    });
    expect(parseKeyPairFile(JSON.stringify({ publicKey: pair.publicKey }))).toMatchObject({ ok: false });
  });

  it('reads an allow-list with comments and blank lines, and names a bad line', () => {
    const [a, b] = [generateCurveKeyPair().publicKey, generateCurveKeyPair().publicKey];
    expect(parseClientKeysFile(`# clients\n${a}\n\n${b}  # cli\n`)).toEqual({ ok: true, value: [a, b] });
    expect(parseClientKeysFile(`${a}\nnot-a-key\n`)).toEqual({
      ok: false,
      message: 'line 2 is not a 40-character Z85 public key',
    });
  });
});
