// The lock state machine alone and replicated: idempotent acquire/release, malformed commands refused
// alike everywhere, and the same holders on every member through a leader crash (InProcessCluster,
// seeds 1-5, named in each test).
import { InProcessCluster } from '@raftkv/in-process-cluster';
import { describe, expect, test } from 'vitest';
import {
  decodeLockCommand,
  encodeLockCommand,
  type LockQuery,
  type LockResult,
  LockStateMachine,
} from '../src/lock-machine.js';

const command = (index: number, data: Uint8Array) => ({ index, term: 1, kind: 'command' as const, data });

describe('LockStateMachine', () => {
  test('a lock has one holder; acquire and release are idempotent for that holder', () => {
    const machine = new LockStateMachine();
    const results = machine.apply([
      command(1, encodeLockCommand({ op: 'acquire', lock: 'db', owner: 'alice' })),
      command(2, encodeLockCommand({ op: 'acquire', lock: 'db', owner: 'alice' })),
      command(3, encodeLockCommand({ op: 'acquire', lock: 'db', owner: 'bob' })),
      command(4, encodeLockCommand({ op: 'release', lock: 'db', owner: 'bob' })),
      command(5, encodeLockCommand({ op: 'release', lock: 'db', owner: 'alice' })),
      command(6, encodeLockCommand({ op: 'release', lock: 'db', owner: 'alice' })),
      command(7, encodeLockCommand({ op: 'acquire', lock: 'db', owner: 'bob' })),
    ]);
    expect(results).toEqual([
      { ok: true, holder: 'alice' },
      { ok: true, holder: 'alice' },
      { ok: false, holder: 'alice' },
      { ok: false, holder: 'alice' },
      { ok: true, holder: null },
      { ok: false, holder: null },
      { ok: true, holder: 'bob' },
    ]);
    expect(machine.appliedIndex()).toBe(7);
    expect(machine.query({ lock: 'db' })).toEqual({ ok: true, holder: 'bob' });
  });

  test('malformed commands are refused, never thrown, and change nothing', () => {
    const machine = new LockStateMachine();
    const bad = [
      'not json',
      '{"op":"steal","lock":"a","owner":"b"}',
      '{"op":"acquire","lock":"","owner":"b"}',
      '[1]',
    ];
    const results = machine.apply(bad.map((text, i) => command(i + 1, new TextEncoder().encode(text))));
    expect(results).toEqual(bad.map(() => ({ error: 'malformed-command' })));
    expect(decodeLockCommand(Uint8Array.of(0xff, 0xfe))).toBeNull();
    expect(machine.query({ lock: 'a' })).toEqual({ ok: true, holder: null });
  });

  test('a snapshot restores the holders', () => {
    const machine = new LockStateMachine();
    machine.apply([command(1, encodeLockCommand({ op: 'acquire', lock: 'db', owner: 'alice' }))]);
    const reader = machine.openSnapshot();
    const copy = new LockStateMachine();
    copy.restore({ metadata: reader.metadata, chunks: [reader.readChunk(0, 1 << 20)] });
    expect(copy.query({ lock: 'db' })).toEqual({ ok: true, holder: 'alice' });
    expect(copy.appliedIndex()).toBe(1);
  });

  test.each([1, 2, 3, 4, 5])('seed %i: replicated, the holders survive the leader crashing', (seed) => {
    const cluster = InProcessCluster.start<LockQuery, LockResult | undefined>({
      seed,
      stateMachine: () => new LockStateMachine(),
      compaction: { thresholdEntries: 3, trailingEntries: 0 },
    });
    const acquire = (lock: string, owner: string) =>
      cluster.propose(encodeLockCommand({ op: 'acquire', lock, owner }));
    expect(acquire('db', 'alice')).toMatchObject({ ok: true, result: { ok: true, holder: 'alice' } });
    const first = cluster.leader()!;
    cluster.stop(first);
    expect(acquire('db', 'bob'), `seed ${seed}`).toMatchObject({
      ok: true,
      result: { ok: false, holder: 'alice' },
    });
    for (let i = 0; i < 5; i += 1) expect(acquire(`job-${i}`, 'carol').ok).toBe(true);
    cluster.restart(first); // empty; catches up by snapshot (compaction every 3 entries)
    const holderOn = (id: typeof first, lock: string) => {
      const answer = cluster.stateMachine(id).query({ lock });
      return answer !== undefined && 'holder' in answer ? answer.holder : undefined;
    };
    cluster.tickUntil(() => holderOn(first, 'job-4') === 'carol', 'catch-up');
    for (const id of cluster.ids)
      expect(cluster.stateMachine(id).query({ lock: 'db' }), `${id}, seed ${seed}`).toEqual({
        ok: true,
        holder: 'alice',
      });
    cluster.close();
  });
});
