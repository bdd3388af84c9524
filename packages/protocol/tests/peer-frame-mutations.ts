// Seeded well-formed peer frames and seeded mutations of them, for the peer decode fast-path tests.
// Test-only: every choice comes from one SeededPrng, so a printed seed replays the same inputs.
import type { MessageType } from '@raftkv/raft';
import { addressLengthMax, nodeIdBytesMax, peerProtocolVersion } from '../src/limits.js';
import { SeededDraw } from './fast-path-equivalence.js';
import { MessageGenerator, messageTypes } from './generate-messages.js';

export type Tree = Record<string, unknown>;
type Container = Tree | unknown[];

/** The shared seeded draw, plus a generator of well-formed messages seeded from the same seed. */
export class Draw extends SeededDraw {
  readonly messages: MessageGenerator;

  constructor(seed: number) {
    super(seed);
    this.messages = new MessageGenerator(seed ^ 0x5eed);
  }
}

export class Plain {
  type = 'AppendEntries';
}

/** The message types the fast path handles; the others go to zod whole. */
export const fastMessageTypes: readonly MessageType[] = [
  'AppendEntries',
  'AppendEntriesResponse',
  'RequestVote',
  'RequestVoteResponse',
];

/** 1..4 messages (now and then up to 40), mostly AppendEntries, sometimes of a type zod alone handles. */
export function validFrame(draw: Draw): Tree {
  const count = 1 + draw.below(draw.chance(0.1) ? 40 : 4);
  const messages: unknown[] = [];
  for (let position = 0; position < count; position += 1) {
    const type = draw.chance(0.05)
      ? draw.pick(messageTypes)
      : draw.chance(0.6)
        ? 'AppendEntries'
        : draw.pick(fastMessageTypes);
    messages.push({ ...draw.messages.message(type) });
  }
  return { protocolVersion: peerProtocolVersion, messages };
}

/** Values no well-formed field holds, and values that fit some other field. Fresh on every call. */
const oddValues: readonly (() => unknown)[] = [
  () => undefined,
  () => null,
  () => 0,
  () => -1,
  () => 1,
  () => -0,
  () => 1.5,
  () => 2 ** 53 - 1,
  () => 2 ** 53,
  () => -(2 ** 53),
  () => Number.NaN,
  () => Number.POSITIVE_INFINITY,
  () => '',
  () => '1',
  () => 'n1',
  () => true,
  () => false,
  () => [],
  () => ({}),
  () => ({ members: [] }),
  () => Object.create(null),
  () => new Plain(),
  () => Uint8Array.of(1, 2),
  () => Buffer.from('buffer'),
  () => new Uint16Array(2),
  () => new Uint8ClampedArray(2),
  () => new Date(0),
];

/** Strings for node ids, roles, kinds, types and addresses, on both sides of each rule. */
const oddStrings: readonly string[] = [
  '',
  'n',
  'n'.repeat(nodeIdBytesMax),
  'n'.repeat(nodeIdBytesMax + 1),
  '0.a_b-c',
  '-n1',
  '.n1',
  '_n1',
  'n 1',
  'n1\n',
  'nü',
  '\u0000n1',
  'voter',
  'learner',
  'observer',
  'command',
  'configuration',
  'noop',
  'x'.repeat(addressLengthMax),
  'x'.repeat(addressLengthMax + 1),
  ...messageTypes,
  'Gossip',
];

const extraKeys: readonly string[] = [
  'extra',
  'data',
  'configuration',
  'entries',
  'members',
  'success',
  'index',
  'kind',
  'type',
  '__proto_',
  'constructor',
  'toString',
];

/** Every object and array inside `value` (itself included), so a mutation can land at any depth. */
function containersIn(value: unknown, found: Container[] = []): Container[] {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return found;
  found.push(value as Container);
  for (const item of Object.values(value)) containersIn(item, found);
  return found;
}

type Edit = (draw: Draw, target: Container) => void;

const replaceValue: Edit = (draw, target) => {
  const keys = Object.keys(target);
  if (keys.length > 0) (target as Tree)[draw.pick(keys)] = draw.pick(oddValues)();
};

/** A number one off, negated, halved, or at the edge of the safe integers. */
const nudgeNumber: Edit = (draw, target) => {
  const keys = Object.keys(target).filter((key) => typeof (target as Tree)[key] === 'number');
  if (keys.length === 0) return replaceValue(draw, target);
  const key = draw.pick(keys);
  const value = (target as Tree)[key] as number;
  (target as Tree)[key] = draw.pick([value + 1, value - 1, -value, value + 0.5, 2 ** 53 - 1, 2 ** 53, 0]);
};

const replaceString: Edit = (draw, target) => {
  const keys = Object.keys(target).filter((key) => typeof (target as Tree)[key] === 'string');
  if (keys.length === 0) return replaceValue(draw, target);
  (target as Tree)[draw.pick(keys)] = draw.pick(oddStrings);
};

const removeKey: Edit = (draw, target) => {
  const keys = Object.keys(target);
  if (keys.length === 0) return;
  if (Array.isArray(target) && draw.chance(0.5)) splice(target, Number(draw.pick(keys)), 1);
  else delete (target as Tree)[draw.pick(keys)];
};

/** An unknown key on an object, or a named (non-index) property on an array. */
const addKey: Edit = (draw, target) => {
  (target as Tree)[draw.pick(extraKeys)] = draw.pick(oddValues)();
};

/** Another prototype: none, a class's, an array's, or (for an array) a plain object's. */
const changePrototype: Edit = (draw, target) => {
  Object.setPrototypeOf(target, draw.pick([null, Plain.prototype, Array.prototype, Object.prototype]));
};

/** Reorder, repeat or add elements: entries lose contiguity (§5.3), members get duplicate ids. */
const reshapeArray: Edit = (draw, target) => {
  if (!Array.isArray(target) || target.length === 0) return addKey(draw, target);
  const position = draw.below(target.length);
  const roll = draw.below(4);
  if (roll === 0) splice(target, target.length, 0, deepCopy(target[position]));
  else if (roll === 1) Array.prototype.reverse.call(target);
  else if (roll === 2) splice(target, position, 0, deepCopy(target[target.length - 1]));
  else target.length = 0;
};

/** Array.prototype.splice, also on an array whose prototype an earlier edit replaced. */
const splice = (target: unknown[], start: number, deleteCount: number, ...items: unknown[]): void => {
  Array.prototype.splice.call(target, start, deleteCount, ...items);
};

/** A copy that shares no object with the original, so later edits land in one place only. */
function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from(value, deepCopy);
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, deepCopy(item)]));
}

const edits: readonly Edit[] = [
  replaceValue,
  nudgeNumber,
  nudgeNumber,
  replaceString,
  removeKey,
  addKey,
  changePrototype,
  reshapeArray,
];

/** None (15%), the whole frame replaced by an odd value (3%), or one to three edits at random depths. */
export function mutate(draw: Draw, frame: Tree): unknown {
  if (draw.chance(0.15)) return frame;
  if (draw.chance(0.03)) return draw.pick(oddValues)();
  const editCount = 1 + draw.below(3);
  for (let edit = 0; edit < editCount; edit += 1) draw.pick(edits)(draw, draw.pick(containersIn(frame)));
  return frame;
}
