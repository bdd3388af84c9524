// Fuzzing the KV state machine's decoders: command bytes from the log (decodeCommand never throws,
// and what it decodes encodes to the same command) and snapshot streams from a leader (restore takes
// them, or refuses them with an AssertionError before touching the store). `npm run fuzz`: 100,000.
import { AssertionError } from '@raftkv/raft';
import { fuzzBytes, fuzzDecoder, fuzzTimeoutMs } from '@raftkv/testkit/fuzz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand, type KvCommand } from '../src/index.js';
import { concatBytes } from '../src/internal/bytes.js';
import { Harness, session, text } from './harness.js';

const commands: KvCommand[] = [
  { operation: { type: 'put', key: text('a'), value: text('1') }, session: session('c1', 3) },
  { operation: { type: 'put', key: text('k'), value: new Uint8Array(300).fill(7) } },
  { operation: { type: 'delete', key: text('a') } },
  { operation: { type: 'get', key: text('a') } },
  { operation: { type: 'range', start: text('a'), end: null, limit: 10 } },
  {
    operation: {
      type: 'compareAndSwap',
      key: text('a'),
      expected: { target: 'version', value: 0 },
      value: text('x'),
    },
  },
  {
    operation: {
      type: 'transaction',
      compares: [{ key: text('a'), target: 'value', operator: 'equal', value: text('1') }],
      success: [{ type: 'put', key: text('b'), value: text('2') }],
      failure: [{ type: 'range', start: text('a'), end: text('z'), limit: 5 }],
    },
    session: session('c2', 9),
  },
  {
    operation: {
      type: 'alarm',
      action: 'activate',
      alarm: 'no-space',
      member: 'n3',
      reason: 'disk-full',
      since: '2026-12-06T12:00:00.000Z',
    },
  },
  { operation: { type: 'alarm', action: 'deactivate', alarm: 'no-space', member: null } },
];

describe('fuzzing the KV decoders', () => {
  it(
    'decodeCommand: a command or a typed malformed-command error, for any bytes',
    () => {
      fuzzDecoder('decodeCommand', fuzzBytes(commands.map(encodeCommand)), (bytes) => {
        const decoded = decodeCommand(bytes);
        if (!decoded.ok) {
          expect(decoded.error.code).toBe('malformed-command');
          return { accepted: false, kind: decoded.error.code };
        }
        expect(decodeCommand(encodeCommand(decoded.command))).toEqual(decoded);
        return { accepted: true };
      });
    },
    fuzzTimeoutMs(),
  );

  it(
    'restore: a snapshot stream is taken whole or refused with an AssertionError, store untouched',
    () => {
      const source = new Harness();
      for (let n = 0; n < 40; n++) {
        source.run(
          { type: 'put', key: text(`key/${n % 13}`), value: text(`value ${n}`) },
          session('c1', n + 1),
        );
      }
      const snapshot = source.snapshot(1 << 20);
      const whole = concatBytes(...snapshot.chunks);
      const target = new Harness();
      target.run({ type: 'put', key: text('before'), value: text('restore') });
      const before = target.dump();
      const inputs = fc.tuple(fuzzBytes([whole], 2048), fc.integer({ min: 1, max: 512 }));
      fuzzDecoder('KV snapshot stream', inputs, ([bytes, chunkBytes]) => {
        const chunks: Uint8Array[] = [];
        for (let offset = 0; offset < bytes.length; offset += chunkBytes)
          chunks.push(bytes.subarray(offset, offset + chunkBytes));
        const restoring = new Harness();
        restoring.run({ type: 'put', key: text('before'), value: text('restore') });
        try {
          restoring.restore({ metadata: snapshot.metadata, chunks });
        } catch (error) {
          if (!(error instanceof AssertionError)) throw error;
          expect(error.message).toMatch(/KV snapshot/);
          expect(restoring.dump()).toEqual(before);
          return { accepted: false, kind: 'refused' };
        }
        return { accepted: true };
      });
    },
    fuzzTimeoutMs(),
  );
});
