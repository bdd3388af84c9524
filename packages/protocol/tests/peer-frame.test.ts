// Peer frame codec: seeded round trips of every Message variant, and typed rejection (never a throw)
// of garbage, truncation, wrong versions, oversized frames, wrong types and unknown message types.
import { type Message, nodeId } from '@raftkv/raft';
import { Packr } from 'msgpackr';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type DecodeErrorCode,
  decodePeerFrame,
  encodePeerFrame,
  entriesPerMessageMax,
  frameBytesMax,
  messageSchema,
  messagesPerFrameMax,
  peerProtocolVersion,
} from '../src/index.js';
import { MessageGenerator, messageTypes } from './generate-messages.js';

const seed = Number(process.env.PROTOCOL_TEST_SEED ?? Date.now() % 1_000_000_007);
console.log(`peer-frame tests: seed ${seed} (replay with PROTOCOL_TEST_SEED=${seed})`);

/** A raw packer to build frames our encoder would never produce. */
const rawPackr = new Packr({ useRecords: false });

const heartbeat: Message = {
  type: 'AppendEntries',
  term: 3,
  from: nodeId('n1'),
  to: nodeId('n2'),
  prevLogIndex: 10,
  prevLogTerm: 2,
  entries: [{ index: 11, term: 3, kind: 'command', data: new Uint8Array([7, 8, 9]) }],
  leaderCommit: 9,
  sequence: 4,
};

function expectRejected(bytes: Uint8Array, code: DecodeErrorCode): void {
  let result: ReturnType<typeof decodePeerFrame> | undefined;
  expect(() => {
    result = decodePeerFrame(bytes);
  }).not.toThrow();
  expect(result?.ok).toBe(false);
  if (result !== undefined && !result.ok) {
    expect(result.error.code).toBe(code);
    expect(result.error.message.length).toBeGreaterThan(0);
  }
}

/** A hand-built frame holding `messages` as given, bypassing the encoder. */
const rawFrame = (messages: unknown[], protocolVersion: unknown = peerProtocolVersion): Uint8Array =>
  rawPackr.pack({ protocolVersion, messages });

describe('peer frame round trips', () => {
  it.each(messageTypes)(`a random %s survives encode → decode unchanged (seed ${seed})`, (type) => {
    const generator = new MessageGenerator(seed ^ type.length);
    for (let round = 0; round < 100; round += 1) {
      const message = generator.message(type);
      const decoded = decodePeerFrame(encodePeerFrame([message]));
      expect(decoded).toEqual({ ok: true, messages: [message] });
    }
  });

  it(`a batch of mixed messages keeps its order (seed ${seed})`, () => {
    const generator = new MessageGenerator(seed);
    for (let round = 0; round < 50; round += 1) {
      const batch = Array.from({ length: 1 + generator.nextInt(40) }, () =>
        generator.message(messageTypes[generator.nextInt(messageTypes.length)]!),
      );
      const decoded = decodePeerFrame(encodePeerFrame(batch));
      expect(decoded).toEqual({ ok: true, messages: batch });
    }
  });

  it('decoded command data is a plain Uint8Array (not a Buffer) with the same bytes', () => {
    const decoded = decodePeerFrame(encodePeerFrame([heartbeat]));
    if (!decoded.ok) throw new Error(decoded.error.message);
    const entry = (decoded.messages[0] as typeof heartbeat & { type: 'AppendEntries' }).entries[0]!;
    expect(entry.kind).toBe('command');
    if (entry.kind === 'command') {
      expect(entry.data.constructor).toBe(Uint8Array);
      expect([...entry.data]).toEqual([7, 8, 9]);
    }
  });

  it('the schema output type is the core Message type', () => {
    expectTypeOf(messageSchema.parse).returns.toEqualTypeOf<Message>();
  });
});

describe('peer frame rejection is a typed error, never a throw', () => {
  it(`random garbage bytes are rejected (seed ${seed})`, () => {
    const generator = new MessageGenerator(seed + 1);
    for (let round = 0; round < 2000; round += 1) {
      const bytes = new Uint8Array(generator.nextInt(64));
      for (let position = 0; position < bytes.length; position += 1) bytes[position] = generator.nextInt(256);
      const result = decodePeerFrame(bytes);
      expect(result.ok).toBe(false);
    }
  });

  it('an empty frame is malformed', () => {
    expectRejected(new Uint8Array(0), 'malformed-msgpack');
  });

  it('every truncation of a valid frame is rejected', () => {
    const frame = encodePeerFrame([heartbeat, { ...heartbeat, type: 'TimeoutNow' } as Message]);
    for (let length = 1; length < frame.byteLength; length += 1) {
      expect(decodePeerFrame(frame.subarray(0, length)).ok).toBe(false);
    }
  });

  it(`random single-byte corruptions never throw (seed ${seed})`, () => {
    const generator = new MessageGenerator(seed + 2);
    const frame = encodePeerFrame([heartbeat]);
    for (let round = 0; round < 2000; round += 1) {
      const corrupted = Uint8Array.from(frame);
      corrupted[generator.nextInt(corrupted.length)] = generator.nextInt(256);
      expect(() => decodePeerFrame(corrupted)).not.toThrow();
    }
  });

  it('trailing bytes after the frame are malformed', () => {
    const frame = encodePeerFrame([heartbeat]);
    expectRejected(Uint8Array.from([...frame, 0xc0]), 'malformed-msgpack');
  });

  it('a huge declared array length is malformed, not an allocation', () => {
    expectRejected(Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0]), 'malformed-msgpack');
  });

  it('a frame with another protocol version is unsupported-version', () => {
    expectRejected(rawFrame([heartbeat], peerProtocolVersion + 1), 'unsupported-version');
  });

  it('a frame without a protocol version is invalid', () => {
    expectRejected(rawPackr.pack({ messages: [heartbeat] }), 'invalid-frame');
  });

  it('a frame larger than frameBytesMax is refused before decoding', () => {
    expectRejected(new Uint8Array(frameBytesMax + 1), 'frame-too-large');
  });

  it('an empty message list and an over-long one are invalid', () => {
    expectRejected(rawFrame([]), 'invalid-frame');
    const tooMany = Array.from({ length: messagesPerFrameMax + 1 }, () => ({ ...heartbeat, entries: [] }));
    expectRejected(rawFrame(tooMany), 'invalid-frame');
  });

  it('an AppendEntries with more than entriesPerMessageMax entries is invalid', () => {
    const entries = Array.from({ length: entriesPerMessageMax + 1 }, (_, position) => ({
      index: 11 + position,
      term: 3,
      kind: 'command',
      data: new Uint8Array(0),
    }));
    expectRejected(rawFrame([{ ...heartbeat, entries }]), 'invalid-frame');
  });

  it.each([
    ['a string term', { term: '3' }],
    ['a negative index', { prevLogIndex: -1 }],
    ['a float index', { prevLogIndex: 1.5 }],
    ['an unsafe integer', { leaderCommit: 2 ** 53 }],
    ['a number node id', { from: 17 }],
    ['an empty node id', { to: '' }],
    ['a node id that starts with a zero byte', { from: '\u0000n1' }],
    ['an over-long node id', { from: 'n'.repeat(65) }],
    ['a missing field', { sequence: undefined }],
    ['an unknown extra key', { extra: true }],
    ['a command entry with string data', { entries: [{ index: 11, term: 3, kind: 'command', data: 'abc' }] }],
    ['an entry of unknown kind', { entries: [{ index: 11, term: 3, kind: 'noop' }] }],
    [
      'a gap after prevLogIndex (§5.3)',
      { entries: [{ index: 12, term: 3, kind: 'command', data: new Uint8Array() }] },
    ],
    [
      'an entry term above the message term (§5.1)',
      { entries: [{ index: 11, term: 4, kind: 'command', data: new Uint8Array() }] },
    ],
    [
      'duplicate member ids',
      {
        entries: [
          {
            index: 11,
            term: 3,
            kind: 'configuration',
            configuration: {
              members: [
                { id: 'n1', role: 'voter', address: 'a' },
                { id: 'n1', role: 'learner', address: 'b' },
              ],
            },
          },
        ],
      },
    ],
  ])('an AppendEntries with %s is invalid', (_label, override) => {
    expectRejected(rawFrame([{ ...heartbeat, ...override }]), 'invalid-frame');
  });

  it('an unknown message type is invalid', () => {
    expectRejected(rawFrame([{ ...heartbeat, type: 'Gossip' }]), 'invalid-frame');
  });

  it('a non-object message or frame is invalid', () => {
    expectRejected(rawFrame([42]), 'invalid-frame');
    expectRejected(rawPackr.pack([peerProtocolVersion, [heartbeat]]), 'invalid-frame');
    expectRejected(rawPackr.pack(null), 'invalid-frame');
  });

  it('structured-clone cycles are refused', () => {
    const cyclic: Record<string, unknown> = { protocolVersion: peerProtocolVersion };
    cyclic.messages = [cyclic];
    const cloningPackr = new Packr({ useRecords: false, structuredClone: true });
    expectRejected(cloningPackr.pack(cyclic), 'malformed-msgpack');
  });

  it('a __proto__ key cannot pollute prototypes', () => {
    const frame = Uint8Array.from([
      0x82, // map of 2
      ...rawPackr.pack('__proto__'),
      ...rawPackr.pack({ polluted: true }),
      ...rawPackr.pack('protocolVersion'),
      ...rawPackr.pack(peerProtocolVersion),
    ]);
    expectRejected(frame, 'invalid-frame');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
