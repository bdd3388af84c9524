// Randomized model test: random commands (some with client sessions and retries), cut into random
// apply batches, with restarts and snapshot restores, must give exactly the reference model's results.
import { type Entry, SeededPrng } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import type { CommandSession, Compare, KvOperation, TransactionStep } from '../src/index.js';
import { KvStateMachine } from '../src/index.js';
import { ReferenceModel } from '../src/testing.js';
import { Harness } from './harness.js';

const seeds = [1, 2, 3, Date.now() % 1_000_000];

describe('KvStateMachine against the reference model', () => {
  for (const seed of seeds) {
    it(`matches the model for 1500 random commands (seed ${seed})`, () => {
      console.log(`model test seed ${seed}`);
      runModelTest(seed);
    });
  }
});

function runModelTest(seed: number): void {
  const random = new SeededPrng(seed);
  const pick = <T>(items: readonly T[]): T => items[random.nextInt(items.length)]!;
  const key = () => Uint8Array.of(random.nextInt(4), random.nextInt(6));
  const value = () => Uint8Array.from({ length: random.nextInt(4) }, () => random.nextInt(3));
  const operator = () => pick(['equal', 'notEqual', 'less', 'greater'] as const);
  const step = (): TransactionStep =>
    pick<() => TransactionStep>([
      () => ({ type: 'put', key: key(), value: value(), returnPrevious: random.chance(0.5) }),
      () => ({ type: 'get', key: key() }),
      () => ({ type: 'delete', key: key(), returnPrevious: random.chance(0.5) }),
      () => ({
        type: 'range',
        start: key(),
        end: random.chance(0.3) ? null : key(),
        limit: 1 + random.nextInt(5),
      }),
    ])();
  const compare = (): Compare =>
    random.chance(0.4)
      ? { key: key(), target: 'value', operator: operator(), value: value() }
      : {
          key: key(),
          target: pick(['version', 'createRevision', 'modRevision'] as const),
          operator: operator(),
          value: random.nextInt(6),
        };
  const operation = (): KvOperation =>
    pick<() => KvOperation>([
      step,
      step,
      () => ({
        type: 'compareAndSwap',
        key: key(),
        expected: random.chance(0.5)
          ? { target: 'value', value: value() }
          : { target: pick(['version', 'modRevision'] as const), value: random.nextInt(4) },
        value: value(),
      }),
      () => ({
        type: 'transaction',
        compares: Array.from({ length: random.nextInt(3) }, compare),
        success: Array.from({ length: random.nextInt(4) }, step),
        failure: Array.from({ length: random.nextInt(4) }, step),
      }),
    ])();

  const model = new ReferenceModel();
  let harness = new Harness();
  const clients = ['c1', 'c2', 'c3'].map((clientId) => ({
    clientId,
    nextSequence: 1,
    sent: [] as Array<{ sequence: number; operation: KvOperation }>,
  }));
  let pending: Array<{ entry: Entry; expected: unknown }> = [];

  const flush = () => {
    const results = harness.applyEntries(pending.map(({ entry }) => entry));
    expect(results).toEqual(pending.map(({ expected }) => expected));
    pending = [];
  };

  for (let n = 0; n < 1500; n++) {
    const client = random.chance(0.5) ? pick(clients) : null;
    let chosen: KvOperation;
    let commandSession: CommandSession | undefined;
    if (client === null) {
      chosen = operation();
    } else {
      // Retry an unacknowledged command now and then; otherwise send the next sequence.
      const retry = client.sent.length > 0 && random.chance(0.3) ? pick(client.sent) : null;
      const sequence = retry?.sequence ?? client.nextSequence++;
      chosen = retry?.operation ?? operation();
      if (retry === null) client.sent.push({ sequence, operation: chosen });
      if (random.chance(0.2)) client.sent.shift(); // the client received the oldest answer
      const firstUnacknowledgedSequence = client.sent[0]?.sequence ?? client.nextSequence;
      commandSession = {
        clientId: client.clientId,
        sequence,
        firstUnacknowledgedSequence: Math.min(sequence, firstUnacknowledgedSequence),
      };
    }
    pending.push({
      entry: harness.commandEntry(chosen, commandSession),
      expected: model.apply(chosen, commandSession),
    });
    if (random.chance(0.2)) flush();
    if (random.chance(0.01)) {
      flush();
      harness = restartOrRestore(harness, random.chance(0.5));
    }
  }
  flush();
}

/** Either a restart over the same store (counters reload from it) or a restore from a snapshot. */
function restartOrRestore(harness: Harness, restore: boolean): Harness {
  if (!restore) {
    Object.assign(harness, { machine: new KvStateMachine(harness.store) });
    return harness;
  }
  const fresh = new Harness();
  fresh.restore(harness.snapshot(16 + (harness.dump().length % 97)));
  expect(fresh.dump()).toEqual(harness.dump());
  return fresh;
}
