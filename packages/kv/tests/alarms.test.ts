// The replicated no-space alarm (etcd's NOSPACE): activation and deactivation through the log, the
// writes it refuses and those it lets through, sessions, removed members, restarts and snapshots.
import type { Configuration, NodeId } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import {
  type AlarmOperation,
  encodeCommand,
  type KvOperation,
  KvStateMachine,
  MemoryKvStore,
} from '../src/index.js';
import { concatBytes } from '../src/internal/bytes.js';
import { kvPackr } from '../src/internal/packr.js';
import { ReferenceModel } from '../src/testing.js';
import { errorCode, Harness, okResult, session, text } from './harness.js';

const threeMembers: Configuration = {
  members: ['n1', 'n2', 'n3'].map((id) => ({
    id: id as NodeId,
    role: 'voter' as const,
    address: `tcp://127.0.0.1:${id.slice(1)}`,
  })),
};
const withoutN3: Configuration = { members: threeMembers.members.slice(0, 2) };

const activate = (member: string, since = '2026-01-01T00:00:00.000Z'): AlarmOperation => ({
  type: 'alarm',
  action: 'activate',
  alarm: 'no-space',
  member,
  reason: 'disk-full',
  since,
});
const deactivate = (member: string | null): AlarmOperation => ({
  type: 'alarm',
  action: 'deactivate',
  alarm: 'no-space',
  member,
});
const put = (key: string, value = 'v'): KvOperation => ({ type: 'put', key: text(key), value: text(value) });

function threeMemberHarness(): Harness {
  const harness = new Harness();
  harness.applyEntries([harness.configurationEntry(threeMembers)]);
  return harness;
}

describe('the replicated no-space alarm', () => {
  it('refuses every write that adds data while active, lets deletes and reads through, and lifts on deactivation', () => {
    const harness = threeMemberHarness();
    harness.run(put('kept'));
    harness.run(put('doomed'));
    const revision = harness.machine.currentRevision();

    expect(okResult(harness.run(activate('n3')))).toEqual({
      type: 'alarm',
      alarms: [{ member: 'n3', alarm: 'no-space', reason: 'disk-full', since: '2026-01-01T00:00:00.000Z' }],
    });
    expect(harness.machine.alarms().map((alarm) => alarm.member)).toEqual(['n3']);
    expect(harness.machine.currentRevision()).toBe(revision);

    const refused = harness.run(put('new'));
    expect(errorCode(refused)).toBe('no-space');
    expect(refused.ok || refused.error.message).toContain('n3 (disk-full)');
    expect(
      errorCode(
        harness.run({
          type: 'compareAndSwap',
          key: text('kept'),
          expected: { target: 'version', value: 1 },
          value: text('x'),
        }),
      ),
    ).toBe('no-space');
    expect(
      errorCode(
        harness.run({
          type: 'transaction',
          compares: [],
          success: [{ type: 'delete', key: text('kept') }],
          failure: [{ type: 'put', key: text('kept'), value: text('x') }],
        }),
      ),
    ).toBe('no-space');
    expect(harness.machine.currentRevision()).toBe(revision);

    // Deletes, delete-only transactions and reads still run.
    expect(okResult(harness.run({ type: 'delete', key: text('doomed') }))).toMatchObject({ deleted: true });
    expect(
      okResult(
        harness.run({
          type: 'transaction',
          compares: [],
          success: [{ type: 'get', key: text('kept') }],
          failure: [],
        }),
      ),
    ).toMatchObject({ succeeded: true });
    expect(harness.machine.query({ type: 'get', key: text('kept') })).toMatchObject({ ok: true });

    expect(okResult(harness.run(deactivate('n3')))).toEqual({ type: 'alarm', alarms: [] });
    expect(okResult(harness.run(put('new')))).toEqual({ type: 'put', previous: null });
  });

  it('keeps the first since on re-activation, clears one member or all, and ignores members outside the configuration', () => {
    const harness = threeMemberHarness();
    harness.run(activate('n2', '2026-01-01T00:00:00.000Z'));
    harness.run(activate('n2', '2026-02-02T00:00:00.000Z'));
    harness.run(activate('n1'));
    expect(harness.machine.alarms().map((alarm) => [alarm.member, alarm.since])).toEqual([
      ['n1', '2026-01-01T00:00:00.000Z'],
      ['n2', '2026-01-01T00:00:00.000Z'],
    ]);
    expect(okResult(harness.run(activate('n9')))).toMatchObject({
      alarms: [{ member: 'n1' }, { member: 'n2' }],
    });
    harness.run(deactivate('n2'));
    expect(harness.machine.alarms().map((alarm) => alarm.member)).toEqual(['n1']);
    harness.run(activate('n3'));
    harness.run(deactivate(null));
    expect(harness.machine.alarms()).toEqual([]);
  });

  it('refuses an activation without its member, reason or since as malformed', () => {
    const harness = threeMemberHarness();
    expect(errorCode(harness.run({ ...activate('n1'), member: null }))).toBe('malformed-command');
    expect(
      errorCode(harness.run({ type: 'alarm', action: 'activate', alarm: 'no-space', member: 'n1' })),
    ).toBe('malformed-command');
    expect(harness.machine.alarms()).toEqual([]);
  });

  it('clears the alarm of a member the configuration removes', () => {
    const harness = threeMemberHarness();
    harness.run(activate('n3'));
    expect(errorCode(harness.run(put('k')))).toBe('no-space');
    harness.applyEntries([harness.configurationEntry(withoutN3)]);
    expect(harness.machine.alarms()).toEqual([]);
    expect(okResult(harness.run(put('k')))).toEqual({ type: 'put', previous: null });
    // A removed member's late activation does not block the cluster again.
    expect(okResult(harness.run(activate('n3')))).toEqual({ type: 'alarm', alarms: [] });
  });

  it('remembers a refused write in its session: a copy applied after the alarm clears answers the same', () => {
    const harness = threeMemberHarness();
    harness.run(activate('n3'));
    const first = harness.run(put('k', 'once'), session('client', 1));
    expect(errorCode(first)).toBe('no-space');
    harness.run(deactivate(null));
    expect(harness.run(put('k', 'once'), session('client', 1))).toEqual(first);
    expect(harness.machine.query({ type: 'get', key: text('k') })).toMatchObject({
      ok: true,
      result: { keyValue: null },
    });
  });

  it('keeps its alarms in the store: a new machine over the same store sees them', () => {
    const harness = threeMemberHarness();
    harness.run(activate('n2'));
    const reopened = new KvStateMachine(harness.store);
    expect(reopened.alarms()).toEqual(harness.machine.alarms());
  });

  it('carries the alarms in snapshots, and a snapshot without alarms restores with none', () => {
    const source = threeMemberHarness();
    source.run(put('a'));
    source.run(activate('n1'));
    const target = threeMemberHarness();
    target.restore(source.snapshot(7));
    expect(target.machine.alarms()).toEqual(source.machine.alarms());
    expect(errorCode(target.run(put('b')))).toBe('no-space');

    const older = threeMemberHarness();
    older.run(put('c'));
    const alarmed = threeMemberHarness();
    alarmed.run(activate('n2'));
    alarmed.restore(older.snapshot(7));
    expect(alarmed.machine.alarms()).toEqual([]);
    expect(okResult(alarmed.run(put('d')))).toEqual({ type: 'put', previous: null });
  });

  it('restore refuses a snapshot whose alarm record is damaged, store untouched', () => {
    const source = threeMemberHarness();
    source.run(activate('n2'));
    const snapshot = source.snapshot(1 << 20);
    const records = kvPackr.unpackMultiple(concatBytes(...snapshot.chunks)) as unknown[];
    const batch = records[1] as Uint8Array[];
    const at = batch.findIndex((key, position) => position % 2 === 0 && key[0] === 0x6c);
    expect(at).toBeGreaterThanOrEqual(0);
    const restreamed = (pairs: Uint8Array[]) =>
      concatBytes(...[records[0], pairs, ...records.slice(2)].map((record) => kvPackr.pack(record)));
    const target = threeMemberHarness();
    target.run(put('kept'));
    const before = target.dump();
    const damagedValues = [
      Uint8Array.of(0xc1), // not msgpack
      kvPackr.pack({ member: 'n2', alarm: 'no-space', reason: 'disk-full' }), // no since
      kvPackr.pack({ member: 'n1', alarm: 'no-space', reason: 'disk-full', since: 'x' }), // another member's key
    ];
    for (const value of damagedValues) {
      const pairs = [...batch];
      pairs[at + 1] = value;
      expect(() => target.restore({ ...snapshot, chunks: [restreamed(pairs)] })).toThrow(
        /malformed alarm record/,
      );
      expect(target.dump()).toEqual(before);
    }
    target.restore({ ...snapshot, chunks: [restreamed(batch)] });
    expect(target.machine.alarms().map((alarm) => alarm.member)).toEqual(['n2']);
  });

  it('a write that fails in the store leaves the alarms as they were', () => {
    const store = new MemoryKvStore();
    const machine = new KvStateMachine(store);
    machine.apply([{ index: 1, term: 1, kind: 'configuration', configuration: threeMembers }]);
    const entry = (index: number, operation: KvOperation) => ({
      index,
      term: 1,
      kind: 'command' as const,
      data: encodeCommand({ operation }),
    });
    const originalWrite = store.write.bind(store);
    store.write = (metadata, body) =>
      originalWrite(metadata, (writer) => {
        body(writer);
        throw new Error('disk full');
      });
    expect(() => machine.apply([entry(2, activate('n1'))])).toThrow('disk full');
    expect(machine.alarms()).toEqual([]);
    store.write = originalWrite;
    machine.apply([entry(2, activate('n1'))]);
    expect(machine.alarms().map((alarm) => alarm.member)).toEqual(['n1']);
  });

  it('the reference model agrees with the state machine on alarm commands and refusals', () => {
    const harness = threeMemberHarness();
    const model = new ReferenceModel();
    model.applyConfiguration(['n1', 'n2', 'n3']);
    const operations: KvOperation[] = [
      put('a'),
      activate('n2'),
      put('b'),
      { type: 'delete', key: text('a') },
      activate('n9'),
      deactivate('n2'),
      put('c'),
      activate('n3'),
      deactivate(null),
      put('d'),
    ];
    for (const operation of operations) expect(harness.run(operation)).toEqual(model.apply(operation));
  });
});
