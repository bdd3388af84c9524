// The key pair, client allow-list, HTTP tokens and join credential file formats: good files parse,
// bad ones give a clear message.
import { generateCurveKeyPair } from '@raftkv/transport-zmq';
import { describe, expect, it } from 'vitest';
import {
  parseClientKeysFile,
  parseJoinTokenFile,
  parseKeyPairFile,
  parseTokensFile,
} from '../src/key-files.js';

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

  it('reads a tokens file with comments, and refuses short, non-ASCII or control-character tokens', () => {
    const [a, b] = ['A'.repeat(16), 'b-c_d.e~f+g/h=i!j'];
    expect(parseTokensFile(`# api tokens\n${a} ops\n\n${b}\n`)).toEqual({ ok: true, value: [a, b] });
    expect(parseTokensFile(`${a}\nshort\n`)).toEqual({
      ok: false,
      message: 'line 2: the token is shorter than 16 characters',
    });
    expect(parseTokensFile('tøken-with-ø-in-it\n')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/visible ASCII/),
    });
    expect(parseTokensFile(`${'x'.repeat(513)}\n`)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/longer than 512/),
    });
  });

  it('reads exactly one join credential', () => {
    const token = 'j'.repeat(32);
    expect(parseJoinTokenFile(`${token}\n`)).toEqual({ ok: true, value: token });
    expect(parseJoinTokenFile('# nothing\n')).toEqual({
      ok: false,
      message: 'must hold exactly one token (it holds 0)',
    });
    expect(parseJoinTokenFile(`${token}\n${token}x\n`)).toMatchObject({ ok: false });
  });
});
