// The hand-written fast path of decodePeerFrame must agree with the zod schema: whatever it accepts,
// zod accepts and decodes to an equal value; what it declines still gets zod's answer, typed error
// included. Inputs: seeded mutations of well-formed frames (seed printed), plus named edge cases.
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeError, describeIssues } from '../src/decode-result.js';
import {
  addressLengthMax,
  decodePeerFrame,
  encodePeerFrame,
  entriesPerMessageMax,
  entryDataBytesMax,
  frameBytesMax,
  membersPerConfigurationMax,
  messagesPerFrameMax,
  nodeIdBytesMax,
  type PeerFrameDecodeResult,
  peerProtocolVersion,
} from '../src/index.js';
import { checkVersion } from '../src/internal/check-version.js';
import { unpackBounded } from '../src/internal/msgpack.js';
import { isCommonPeerFrame } from '../src/internal/peer-frame-fast-path.js';
import { peerFrameSchema } from '../src/peer-schemas.js';
import { agreesWithSchema } from './fast-path-equivalence.js';
import { messageTypes } from './generate-messages.js';
import { Draw, fastMessageTypes, mutate, Plain, type Tree, validFrame } from './peer-frame-mutations.js';

const seed = Number(process.env.PROTOCOL_TEST_SEED ?? 616_161);
const rounds = 10_000;
const rawPackr = new Packr({ useRecords: false });

/** Bytes compare natively, same class and content: generic deep equality takes minutes on 8 MiB. */
expect.addEqualityTesters([
  (a: unknown, b: unknown) => {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return undefined;
    return a.constructor === b.constructor && Buffer.compare(a, b) === 0;
  },
]);

/** decodePeerFrame as it was before the fast path: MessagePack, version, then the whole schema. */
function schemaOnlyDecode(frame: Uint8Array): PeerFrameDecodeResult {
  const unpacked = unpackBounded(frame, frameBytesMax);
  if (!unpacked.ok) return unpacked;
  const versionError = checkVersion(unpacked.value, peerProtocolVersion);
  if (versionError !== null) return { ok: false, error: versionError };
  const parsed = peerFrameSchema.safeParse(unpacked.value);
  if (!parsed.success)
    return { ok: false, error: decodeError('invalid-frame', describeIssues(parsed.error)) };
  return { ok: true, messages: parsed.data.messages };
}

/** Expects decodePeerFrame to answer `frame` exactly as the schema-only decoder; returns both facts. */
function expectSameDecode(frame: Uint8Array): { fast: boolean; result: PeerFrameDecodeResult } {
  const result = decodePeerFrame(frame);
  expect(result).toStrictEqual(schemaOnlyDecode(frame));
  const unpacked = unpackBounded(frame, frameBytesMax);
  return { fast: unpacked.ok && isCommonPeerFrame(unpacked.value), result };
}

describe(`peer decode fast path agrees with the zod schema (seed ${seed}, PROTOCOL_TEST_SEED replays)`, () => {
  it(`fast check: ${rounds} seeded mutations of peer frames, prototype tricks included`, () => {
    console.log(`peer-fast-path check seed=${seed}`);
    const draw = new Draw(seed);
    const counts = { accepted: 0, leftToZodAndValid: 0, refused: 0 };
    for (let round = 0; round < rounds; round += 1) {
      const input = mutate(draw, validFrame(draw));
      if (agreesWithSchema(input, isCommonPeerFrame, peerFrameSchema)) counts.accepted += 1;
      else if (peerFrameSchema.safeParse(input).success) counts.leftToZodAndValid += 1;
      else counts.refused += 1;
    }
    expect(counts.accepted).toBeGreaterThan(rounds / 10);
    expect(counts.leftToZodAndValid).toBeGreaterThan(rounds / 100);
    expect(counts.refused).toBeGreaterThan(rounds / 4);
  });

  it(`whole decoder: the same result (value or typed error) as the schema-only decoder on ${rounds} mutated frames`, () => {
    console.log(`peer-fast-path frames seed=${seed + 1}`);
    const draw = new Draw(seed + 1);
    const counts = { fast: 0, refused: 0 };
    for (let round = 0; round < rounds; round += 1) {
      const { fast, result } = expectSameDecode(rawPackr.pack(mutate(draw, validFrame(draw))));
      if (fast) counts.fast += 1;
      if (!result.ok) counts.refused += 1;
    }
    expect(counts.fast).toBeGreaterThan(rounds / 10);
    expect(counts.refused).toBeGreaterThan(rounds / 4);
  });

  it('every well-formed frame of AppendEntries, its response and the votes takes the fast path', () => {
    const draw = new Draw(seed + 2);
    for (let round = 0; round < 500; round += 1) {
      const count = 1 + draw.below(6);
      const messages = Array.from({ length: count }, () =>
        draw.messages.message(draw.pick(fastMessageTypes)),
      );
      const { fast, result } = expectSameDecode(encodePeerFrame(messages));
      expect(fast).toBe(true);
      expect(result).toStrictEqual({ ok: true, messages });
    }
  });

  it('a frame holding InstallSnapshot, InstallSnapshotResponse or TimeoutNow is left to zod whole', () => {
    const draw = new Draw(seed + 3);
    const otherTypes = messageTypes.filter((type) => !fastMessageTypes.includes(type));
    for (let round = 0; round < 200; round += 1) {
      const messages = [draw.messages.message('AppendEntries'), draw.messages.message(draw.pick(otherTypes))];
      const { fast, result } = expectSameDecode(
        encodePeerFrame(draw.chance(0.5) ? messages : messages.reverse()),
      );
      expect(fast).toBe(false);
      expect(result.ok).toBe(true);
    }
  });
});

const member = (id: string, role = 'voter', address = 'tcp://127.0.0.1:7001'): Tree => ({
  id,
  role,
  address,
});
const command = (index: number, term: number, data: unknown = Uint8Array.of(7)): Tree => ({
  index,
  term,
  kind: 'command',
  data,
});
const configuration = (
  index: number,
  term: number,
  members: unknown = [member('n1'), member('n2')],
): Tree => ({
  index,
  term,
  kind: 'configuration',
  configuration: { members },
});
const appendEntries = (overrides: Tree = {}): Tree => ({
  type: 'AppendEntries',
  term: 3,
  from: 'n1',
  to: 'n2',
  prevLogIndex: 10,
  prevLogTerm: 2,
  entries: [command(11, 2), configuration(12, 3), command(13, 3)],
  leaderCommit: 9,
  sequence: 4,
  ...overrides,
});
const withEntry = (entry: Tree): Tree => appendEntries({ entries: [entry] });
const appendEntriesResponse = (overrides: Tree = {}): Tree => ({
  type: 'AppendEntriesResponse',
  term: 3,
  from: 'n2',
  to: 'n1',
  success: true,
  matchIndex: 13,
  lastLogIndex: 13,
  conflictTerm: 0,
  conflictIndex: 0,
  sequence: 4,
  ...overrides,
});
const requestVote: Tree = {
  type: 'RequestVote',
  term: 4,
  from: 'n3',
  to: 'n1',
  lastLogIndex: 13,
  lastLogTerm: 3,
  preVote: true,
  leadershipTransfer: false,
};
const requestVoteResponse: Tree = {
  type: 'RequestVoteResponse',
  term: 4,
  from: 'n1',
  to: 'n3',
  voteGranted: true,
  preVote: true,
};
const frame = (...messages: unknown[]): Tree => ({ protocolVersion: peerProtocolVersion, messages });

type Outcome = 'fast' | 'zod-accepts' | 'invalid-frame' | 'unsupported-version';

/** The frame decodes exactly as the schema-only decoder does, and takes the path named by `outcome`. */
function expectOutcome(input: unknown, outcome: Outcome): void {
  const { fast, result } = expectSameDecode(rawPackr.pack(input));
  expect(fast).toBe(outcome === 'fast');
  if (outcome === 'fast' || outcome === 'zod-accepts') expect(result.ok).toBe(true);
  else expect(result.ok || result.error.code).toBe(outcome);
}

describe('peer decode fast path: named edge cases get exactly the schema answer', () => {
  it.each<[string, unknown, Outcome]>([
    [
      'a heartbeat (no entries, prevLogIndex 0)',
      frame(appendEntries({ prevLogIndex: 0, prevLogTerm: 0, entries: [] })),
      'fast',
    ],
    ['command and configuration entries, terms rising to the message term', frame(appendEntries()), 'fast'],
    ['an empty command, a leader’s no-op (§8)', frame(withEntry(command(11, 3, new Uint8Array(0)))), 'fast'],
    [
      'prevLogTerm equal to the message term',
      frame(appendEntries({ prevLogTerm: 3, entries: [command(11, 3)] })),
      'fast',
    ],
    [
      'counters at 2^53 - 1',
      frame(
        appendEntries({
          term: 2 ** 53 - 1,
          prevLogIndex: 2 ** 53 - 2,
          leaderCommit: 2 ** 53 - 1,
          sequence: 2 ** 53 - 1,
          entries: [command(2 ** 53 - 1, 3)],
        }),
      ),
      'fast',
    ],
    [
      `node ids of ${nodeIdBytesMax} characters with . _ - inside`,
      frame(appendEntries({ from: `0${'a._-'.repeat(15)}abc`, to: 'N'.repeat(nodeIdBytesMax) })),
      'fast',
    ],
    [
      `a member address of ${addressLengthMax} characters`,
      frame(withEntry(configuration(11, 3, [member('n1', 'learner', 'x'.repeat(addressLengthMax))]))),
      'fast',
    ],
    ['a configuration with no members', frame(withEntry(configuration(11, 3, []))), 'fast'],
    ['a response and both votes', frame(appendEntriesResponse(), requestVote, requestVoteResponse), 'fast'],
    [
      'a failed response with a conflict hint',
      frame(appendEntriesResponse({ success: false, conflictTerm: 2, conflictIndex: 7 })),
      'fast',
    ],
    [
      'a TimeoutNow next to an AppendEntries (left to zod)',
      frame(appendEntries(), { type: 'TimeoutNow', term: 3, from: 'n1', to: 'n2' }),
      'zod-accepts',
    ],
    ['an entry term above the message term (§5.1)', frame(withEntry(command(11, 4))), 'invalid-frame'],
    [
      'prevLogTerm above the message term (§5.1)',
      frame(appendEntries({ prevLogTerm: 4, entries: [] })),
      'invalid-frame',
    ],
    ['a gap after prevLogIndex (§5.3)', frame(withEntry(command(12, 3))), 'invalid-frame'],
    [
      'an entry index repeated (§5.3)',
      frame(appendEntries({ entries: [command(11, 3), command(11, 3)] })),
      'invalid-frame',
    ],
    [
      'a decreasing entry term',
      frame(appendEntries({ entries: [command(11, 3), command(12, 2)] })),
      'invalid-frame',
    ],
    ['an entry term below prevLogTerm', frame(appendEntries({ entries: [command(11, 1)] })), 'invalid-frame'],
    [
      'a configuration entry that carries data too',
      frame(withEntry({ ...configuration(11, 3), data: Uint8Array.of(1) })),
      'invalid-frame',
    ],
    [
      'a command entry with a configuration key',
      frame(withEntry({ ...command(11, 3), configuration: { members: [] } })),
      'invalid-frame',
    ],
    [
      'a command entry without data',
      frame(withEntry({ index: 11, term: 3, kind: 'command' })),
      'invalid-frame',
    ],
    ['command data as a string', frame(withEntry(command(11, 3, 'abc'))), 'invalid-frame'],
    ['command data as an array of numbers', frame(withEntry(command(11, 3, [1, 2]))), 'invalid-frame'],
    ['an entry of kind noop', frame(withEntry({ index: 11, term: 3, kind: 'noop' })), 'invalid-frame'],
    [
      'duplicate member ids',
      frame(withEntry(configuration(11, 3, [member('n1'), member('n1', 'learner')]))),
      'invalid-frame',
    ],
    [
      'a member role observer',
      frame(withEntry(configuration(11, 3, [member('n1', 'observer')]))),
      'invalid-frame',
    ],
    [
      'a member address one character too long',
      frame(withEntry(configuration(11, 3, [member('n1', 'voter', 'x'.repeat(addressLengthMax + 1))]))),
      'invalid-frame',
    ],
    [
      'a member id that is not a node id',
      frame(withEntry(configuration(11, 3, [member('n 1')]))),
      'invalid-frame',
    ],
    [
      `a node id of ${nodeIdBytesMax + 1} characters`,
      frame(appendEntries({ from: 'n'.repeat(nodeIdBytesMax + 1) })),
      'invalid-frame',
    ],
    ['a node id starting with -', frame(appendEntries({ to: '-n2' })), 'invalid-frame'],
    ['a node id with a non-ASCII letter', frame(appendEntriesResponse({ from: 'nü' })), 'invalid-frame'],
    ['an empty node id', frame(requestVote, { ...requestVoteResponse, to: '' }), 'invalid-frame'],
    ['a node id with a trailing newline', frame(appendEntries({ from: 'n1\n' })), 'invalid-frame'],
    ['a node id starting with a zero byte', frame(appendEntries({ from: '\u0000n1' })), 'invalid-frame'],
    ['a term of -1', frame(appendEntriesResponse({ term: -1 })), 'invalid-frame'],
    ['a fractional matchIndex', frame(appendEntriesResponse({ matchIndex: 1.5 })), 'invalid-frame'],
    ['a leaderCommit of 2^53', frame(appendEntries({ leaderCommit: 2 ** 53 })), 'invalid-frame'],
    ['a NaN sequence', frame(appendEntries({ sequence: Number.NaN })), 'invalid-frame'],
    [
      'an infinite lastLogTerm',
      frame({ ...requestVote, lastLogTerm: Number.POSITIVE_INFINITY }),
      'invalid-frame',
    ],
    ['a term given as a string', frame(appendEntries({ term: '3' })), 'invalid-frame'],
    ['success given as 1', frame(appendEntriesResponse({ success: 1 })), 'invalid-frame'],
    ['preVote given as null', frame({ ...requestVoteResponse, preVote: null }), 'invalid-frame'],
    ['an extra key on the frame', { ...frame(appendEntries()), extra: 1 }, 'invalid-frame'],
    ['an extra key on a message', frame(appendEntriesResponse({ extra: 1 })), 'invalid-frame'],
    ['an extra key on an AppendEntries', frame(appendEntries({ extra: 1 })), 'invalid-frame'],
    ['an extra key on an entry', frame(withEntry({ ...command(11, 3), extra: 1 })), 'invalid-frame'],
    [
      'an extra key on a configuration',
      frame(withEntry({ ...configuration(11, 3), configuration: { members: [], extra: 1 } })),
      'invalid-frame',
    ],
    [
      'an extra key on a member',
      frame(withEntry(configuration(11, 3, [{ ...member('n1'), extra: 1 }]))),
      'invalid-frame',
    ],
    [
      'an extra key that is explicitly undefined',
      frame({ ...requestVote, extra: undefined }),
      'invalid-frame',
    ],
    [
      'a __proto__ key on a message',
      frame({ ...JSON.parse('{"__proto__": {"x": 1}}'), ...requestVote }),
      'invalid-frame',
    ],
    ['a missing sequence', frame(appendEntries({ sequence: undefined })), 'invalid-frame'],
    ['missing entries', frame(appendEntries({ entries: undefined })), 'invalid-frame'],
    ['entries as an object', frame(appendEntries({ entries: { 0: command(11, 3) } })), 'invalid-frame'],
    ['a message that is an array', frame(Object.values(requestVote)), 'invalid-frame'],
    ['an unknown message type', frame(appendEntries({ type: 'Gossip' })), 'invalid-frame'],
    ['no messages', frame(), 'invalid-frame'],
    [
      'messages as an object',
      { protocolVersion: peerProtocolVersion, messages: { 0: requestVote } },
      'invalid-frame',
    ],
    [
      'protocolVersion given as the string "1"',
      { ...frame(requestVote), protocolVersion: '1' },
      'invalid-frame',
    ],
    ['no protocolVersion', { messages: [requestVote] }, 'invalid-frame'],
    [
      'another protocolVersion',
      { ...frame(requestVote), protocolVersion: peerProtocolVersion + 1 },
      'unsupported-version',
    ],
  ])('%s', (_label, input, outcome) => {
    expectOutcome(input, outcome);
  });

  it(`exactly messagesPerFrameMax (${messagesPerFrameMax}) messages take the fast path; one more is invalid`, () => {
    const messages = Array.from({ length: messagesPerFrameMax }, () => appendEntriesResponse());
    expectOutcome(frame(...messages), 'fast');
    expectOutcome(frame(...messages, appendEntriesResponse()), 'invalid-frame');
  });

  it(`exactly entriesPerMessageMax (${entriesPerMessageMax}) entries take the fast path; one more is invalid`, () => {
    const entries = Array.from({ length: entriesPerMessageMax + 1 }, (_, position) =>
      command(11 + position, 3, new Uint8Array(0)),
    );
    expectOutcome(frame(appendEntries({ entries: entries.slice(0, entriesPerMessageMax) })), 'fast');
    expectOutcome(frame(appendEntries({ entries })), 'invalid-frame');
  });

  it(`command data of exactly entryDataBytesMax (${entryDataBytesMax}) bytes takes the fast path; one more is invalid`, () => {
    const data = new Uint8Array(entryDataBytesMax + 1);
    expectOutcome(frame(withEntry(command(11, 3, data.subarray(0, entryDataBytesMax)))), 'fast');
    expectOutcome(frame(withEntry(command(11, 3, data))), 'invalid-frame');
  });

  it(`exactly membersPerConfigurationMax (${membersPerConfigurationMax}) members take the fast path; one more is invalid`, () => {
    const members = Array.from({ length: membersPerConfigurationMax + 1 }, (_, position) =>
      member(`n${position}`),
    );
    expectOutcome(
      frame(withEntry(configuration(11, 3, members.slice(0, membersPerConfigurationMax)))),
      'fast',
    );
    expectOutcome(frame(withEntry(configuration(11, 3, members))), 'invalid-frame');
  });
});

describe('peer decode fast path: shapes MessagePack cannot carry are left to zod', () => {
  const withPrototype = <T extends object>(value: T, prototype: object | null): T =>
    Object.setPrototypeOf(value, prototype) as T;
  const withProperty = <T extends object>(value: T): T => Object.assign(value, { extra: 1 });
  /** [a, <hole>, b] */
  const holey = ([first, last]: unknown[]): unknown[] => {
    const values = [first];
    values[2] = last;
    return values;
  };

  it.each<[string, unknown]>([
    ['a frame without a prototype', withPrototype(frame(requestVote), null)],
    ['a message without a prototype', frame(withPrototype(appendEntriesResponse(), null))],
    ['an entry that is a class instance', frame(withEntry(withPrototype(command(11, 3), Plain.prototype)))],
    [
      'a member that is a class instance',
      frame(withEntry(configuration(11, 3, [withPrototype(member('n1'), Plain.prototype)]))),
    ],
    [
      'an entries array with a plain object’s prototype',
      frame(appendEntries({ entries: withPrototype([command(11, 3)], Object.prototype) })),
    ],
    [
      'a messages array with a named property',
      { protocolVersion: peerProtocolVersion, messages: withProperty([requestVote]) },
    ],
    [
      'an entries array with a named property',
      frame(appendEntries({ entries: withProperty([command(11, 3)]) })),
    ],
    [
      'a members array with a named property',
      frame(withEntry(configuration(11, 3, withProperty([member('n1')])))),
    ],
    [
      'an entries array with a hole',
      frame(appendEntries({ entries: holey([command(11, 3), command(13, 3)]) })),
    ],
  ])('%s', (_label, input) => {
    expect(isCommonPeerFrame(input)).toBe(false);
    agreesWithSchema(input, isCommonPeerFrame, peerFrameSchema);
  });

  it('command data given as a Node Buffer is accepted and kept, as zod keeps it', () => {
    const data = Buffer.from('put');
    const input = frame(withEntry(command(11, 3, data)));
    expect(agreesWithSchema(input, isCommonPeerFrame, peerFrameSchema)).toBe(true);
    const parsed = peerFrameSchema.parse(input);
    const message = parsed.messages[0];
    expect(
      message?.type === 'AppendEntries' && message.entries[0]?.kind === 'command' && message.entries[0].data,
    ).toBe(data);
  });
});
