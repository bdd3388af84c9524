// The put fast path of decodeCommand must agree with kvCommandSchema (zod) on every input: same
// acceptance, same decoded command. Inputs are seeded mutations of valid put commands.
import { Packr } from 'msgpackr';
import { describe, expect, test } from 'vitest';
import { decodeCommand, kvCommandSchema } from '../src/index.js';
import { kvPackr } from '../src/internal/packr.js';
import { decodePutCommandFast } from '../src/internal/put-command-fast-path.js';

const seed = Number(process.env.RAFTKV_SEED ?? 424_242);
let state = seed;
function random(): number {
  state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
  return state / 2 ** 31;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const oddValues: readonly unknown[] = [
  undefined,
  null,
  0,
  -1,
  1,
  7,
  2 ** 53 - 1,
  1.5,
  2 ** 53,
  Number.NaN,
  '',
  'x',
  true,
  [],
  {},
  new Uint8Array([1]),
  Buffer.from('b'),
];

function validPut(): Record<string, unknown> {
  const operation: Record<string, unknown> = {
    type: 'put',
    key: pick([new Uint8Array([1, 2]), Buffer.from('key')]),
    value: pick([new Uint8Array(0), Buffer.from('value')]),
  };
  if (random() < 0.3) operation.returnPrevious = random() < 0.5;
  const command: Record<string, unknown> = { operation };
  if (random() < 0.7) {
    const sequence = 1 + Math.floor(random() * 1000);
    command.session = {
      clientId: 'c-1',
      sequence,
      firstUnacknowledgedSequence: 1 + Math.floor(random() * sequence),
    };
  }
  return command;
}

/** Replaces or adds one field somewhere in the command with an odd value, or changes nothing. */
function mutate(command: Record<string, unknown>): unknown {
  const roll = random();
  const operation = command.operation as Record<string, unknown>;
  const session = command.session as Record<string, unknown> | undefined;
  if (roll < 0.15) return command;
  if (roll < 0.4) operation[pick(['type', 'key', 'value', 'returnPrevious', 'extra'])] = pick(oddValues);
  else if (roll < 0.65 && session !== undefined)
    session[pick(['clientId', 'sequence', 'firstUnacknowledgedSequence', 'extra'])] = pick(oddValues);
  else if (roll < 0.8) command[pick(['operation', 'session', 'extra'])] = pick(oddValues);
  else if (roll < 0.9) operation.type = pick(['get', 'delete', 'PUT']);
  else return pick(oddValues);
  return command;
}

describe('put command fast path', () => {
  test(`agrees with kvCommandSchema on 20,000 seeded inputs (seed=${seed})`, () => {
    console.log(`put-command-fast-path seed=${seed}`);
    let accepted = 0;
    for (let round = 0; round < 20_000; round += 1) {
      const input = mutate(validPut());
      const fast = decodePutCommandFast(input);
      const zod = kvCommandSchema.safeParse(input);
      if (fast !== null) {
        accepted += 1;
        expect(zod.success, `zod refused what the fast path accepted: ${String(JSON.stringify(input))}`).toBe(
          true,
        );
        expect(fast).toEqual(zod.data);
      }
    }
    expect(accepted).toBeGreaterThan(2000);
  });

  test('a put as encoded for the log takes the fast path and decodes like zod', () => {
    const command = {
      operation: { type: 'put', key: new Uint8Array([1]), value: new Uint8Array([2, 3]) },
      session: { clientId: 'c', sequence: 3, firstUnacknowledgedSequence: 2 },
    };
    const decoded = kvPackr.unpack(kvPackr.pack(command));
    expect(decodePutCommandFast(decoded)).toEqual(kvCommandSchema.parse(decoded));
    expect(decodeCommand(kvPackr.pack(command))).toEqual({ ok: true, command });
  });

  test('bad bytes and bad fields still yield malformed-command through zod', () => {
    const bad = new Packr({ useRecords: false }).pack({
      operation: { type: 'put', key: 'not bytes', value: new Uint8Array(0) },
    });
    expect(decodeCommand(bad)).toMatchObject({ ok: false, error: { code: 'malformed-command' } });
  });
});
