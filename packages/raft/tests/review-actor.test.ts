// Review tests for the RaftActor shell: every client read is answered exactly once, also when the
// core drops it across a leader change inside one turn (thesis §6.4). Synchronous, no timers.
import { describe, expect, it } from 'vitest';
import {
  bootstrapState,
  MemoryLogStorage,
  nodeId,
  RaftActor,
  type ReadResult,
  type RequestVote,
  SeededPrng,
} from '../src/index.js';
import { IndexStateMachine, testConfig } from './harness.js';

describe('review: RaftActor reads (thesis §6.4)', () => {
  it('a read dropped by a step-down and re-election within one turn is still answered (§6.4)', () => {
    const n1 = nodeId('n1');
    const configuration = { members: [{ id: n1, role: 'voter' as const, address: 'n1' }] };
    const actor = RaftActor.start({
      config: testConfig('n1', { checkQuorum: false, preVote: false }),
      storage: new MemoryLogStorage(bootstrapState(configuration)),
      stateMachine: new IndexStateMachine(),
      transport: { send: () => {} },
      random: new SeededPrng(3),
    });
    for (let tick = 0; tick < 30 && actor.status().role !== 'leader'; tick += 1) {
      actor.deliver({ type: 'tick' });
      while (actor.hasWork()) actor.runTurn();
    }
    expect(actor.status()).toMatchObject({ role: 'leader', term: 2 });

    // One turn: a read arrives, then a removed server that never learned of its removal asks for a
    // vote in a higher term (thesis §4.2.3; no lease without check-quorum), then time passes and
    // n1, the only voter, wins the next term again. The core dropped the read when it stepped down.
    const results: ReadResult<number>[] = [];
    actor.deliver({ type: 'read', query: null, onResult: (result) => results.push(result) });
    const disruptive: RequestVote = {
      type: 'RequestVote',
      term: 5,
      from: nodeId('n9'),
      to: n1,
      lastLogIndex: 0,
      lastLogTerm: 0,
      preVote: false,
      leadershipTransfer: false,
    };
    actor.deliver({ type: 'message', message: disruptive });
    for (let tick = 0; tick < 25; tick += 1) actor.deliver({ type: 'tick' });
    actor.runTurn();
    expect(actor.status()).toMatchObject({ role: 'leader', term: 6 });

    for (let turn = 0; turn < 10; turn += 1) {
      actor.deliver({ type: 'tick' });
      while (actor.hasWork()) actor.runTurn();
    }
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ok: false, reason: 'leadership-lost' });
  });
});
