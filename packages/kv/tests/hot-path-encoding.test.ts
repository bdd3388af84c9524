// The hand-written encodings of the apply hot path give exactly what the general code gives: stored
// put results are kvPackr's bytes, and client id byte lengths are TextEncoder's.
import { SeededPrng } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import type { KvResult } from '../src/index.js';
import { clientIdByteLength } from '../src/internal/keyspace.js';
import { kvPackr } from '../src/internal/packr.js';
import { packResult } from '../src/internal/result-codec.js';
import { Harness, session, text } from './harness.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const plainPut = (revision: number): KvResult => ({
  ok: true,
  revision,
  result: { type: 'put', previous: null },
});

describe('packResult', () => {
  it('writes a put result without previous exactly as kvPackr does, at every integer width (seed 5150)', () => {
    console.log('packResult seed 5150');
    const random = new SeededPrng(5150);
    const boundaries = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0xffff_ffff, 0x1_0000_0000];
    const randomRevisions = Array.from({ length: 2000 }, () =>
      Math.floor(random.nextFloat() * 2 ** (1 + random.nextInt(52))),
    );
    for (const revision of [...boundaries, 2 ** 53 - 1, ...randomRevisions]) {
      expect(hex(packResult(plainPut(revision))), `revision ${revision}`).toBe(
        hex(kvPackr.pack(plainPut(revision))),
      );
    }
  });

  it('every other result goes through kvPackr unchanged', () => {
    const keyValue = { key: text('k'), value: text('v'), createRevision: 1, modRevision: 2, version: 2 };
    const results: KvResult[] = [
      { ok: true, revision: 3, result: { type: 'put', previous: keyValue } },
      { ok: true, revision: 3, result: { type: 'delete', deleted: true, previous: null } },
      { ok: true, revision: 3, result: { type: 'compareAndSwap', succeeded: true, current: null } },
      { ok: false, revision: 3, error: { code: 'key-too-large', message: 'too long' } },
    ];
    for (const result of results) expect(hex(packResult(result))).toBe(hex(kvPackr.pack(result)));
  });

  it('the results KvStateMachine remembers are stored as kvPackr bytes of the result it returned', () => {
    const harness = new Harness();
    const returned: KvResult[] = [];
    for (let sequence = 1; sequence <= 300; sequence++) {
      const result = harness.run(
        { type: 'put', key: text(`k${sequence % 7}`), value: text('v'), returnPrevious: sequence % 5 === 0 },
        session('c1', sequence),
      );
      returned.push(result);
    }
    const stored = harness
      .dump()
      .filter(([key]) => key[0] === 0x72) // 'r': remembered results, in sequence order
      .map(([, value]) => hex(value));
    expect(stored).toEqual(returned.map((result) => hex(kvPackr.pack(result))));
  });
});

describe('clientIdByteLength', () => {
  it('equals the TextEncoder length, lone surrogates included (seed 77)', () => {
    console.log('clientIdByteLength seed 77');
    const random = new SeededPrng(77);
    const units = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xffff];
    const encoder = new TextEncoder();
    for (let n = 0; n < 5000; n++) {
      const codeUnits = Array.from({ length: random.nextInt(12) }, () =>
        random.chance(0.5) ? units[random.nextInt(units.length)]! : random.nextInt(0x1_0000),
      );
      const clientId = String.fromCharCode(...codeUnits);
      expect(clientIdByteLength(clientId), JSON.stringify(codeUnits)).toBe(encoder.encode(clientId).length);
    }
  });
});
