// Unit tests of the simulated KV clients against scripted nodes: a retry carries the same client id
// and sequence, timeouts and unknown outcomes make a write's outcome unknown, definite refusals make
// it failed, and what each write and read returned is recorded for the linearizability check.
import { decodeCommand, type KvApplyResult, type KvCommand } from '@raftkv/kv';
import { type NodeId, nodeId, type ProposalResult, SeededPrng } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import { SafetyCheckers } from '../src/internal/checkers/safety-checkers.js';
import type { Cluster } from '../src/internal/cluster.js';
import type { KvKnobs } from '../src/internal/knobs.js';
import { KvClients } from '../src/internal/kv-clients.js';
import { Trace } from '../src/internal/trace.js';

interface Proposal {
  readonly to: NodeId;
  readonly command: KvCommand;
  readonly answer: (result: ProposalResult<KvApplyResult>) => void;
}

const n1 = nodeId('n1');
const oneClientPutsOnly: KvKnobs = {
  clientCount: 1,
  deleteShare: 0,
  transactionShare: 0,
  commitEveryTicks: null,
  commitAfterBytes: null,
};

/** KvClients over one scripted node that records every proposal instead of running Raft. */
function harness(putShare = 1) {
  let step = 0;
  const proposals: Proposal[] = [];
  const node = {
    id: n1,
    isUp: true,
    actor: {
      deliver: (event: {
        type: string;
        data?: Uint8Array;
        onResult: (result: ProposalResult<KvApplyResult>) => void;
      }) => {
        if (event.type !== 'propose') return true;
        const decoded = decodeCommand(event.data!);
        if (!decoded.ok) throw new Error('the client proposed bytes that do not decode');
        proposals.push({ to: n1, command: decoded.command, answer: event.onResult });
        return true;
      },
    },
  };
  const cluster = { node: () => node, running: () => [node] } as unknown as Cluster;
  const checkers = new SafetyCheckers();
  const clients = new KvClients(
    new SeededPrng(1),
    oneClientPutsOnly,
    putShare,
    1,
    { attemptTimeoutSteps: 10, attemptsMax: 3, backoffBaseSteps: 2, failoverSteps: 10 },
    cluster,
    checkers,
    new Trace('off'),
    () => step,
  );
  const advance = (steps: number) => {
    for (let i = 0; i < steps; i += 1) {
      step += 1;
      clients.runStep();
    }
  };
  return { clients, proposals, advance, checkers };
}

const applied = (index: number, revision: number): ProposalResult<KvApplyResult> => ({
  ok: true,
  index,
  term: 1,
  result: { ok: true, revision, result: { type: 'put', previous: null } },
});

describe('KvClients', () => {
  it('retries a timed-out write with the same client id and sequence, and records it once', () => {
    const { clients, proposals, advance } = harness();
    clients.issueWrite();
    advance(11);
    expect(proposals).toHaveLength(2);
    expect(proposals[1]!.command).toEqual(proposals[0]!.command);
    expect(proposals[0]!.command.session).toEqual({
      clientId: 'c1.0',
      sequence: 1,
      firstUnacknowledgedSequence: 1,
    });
    expect(clients.counters.sessionRetries).toBe(1);
    proposals[1]!.answer(applied(1, 1));
    expect(clients.history).toEqual([
      expect.objectContaining({
        process: 'c1.0',
        invokedAt: 0,
        completedAt: 11,
        outcome: { status: 'ok', result: null },
      }),
    ]);
    // The late answer to the first attempt is the remembered result, checked but not recorded again.
    proposals[0]!.answer(applied(2, 1));
    expect(clients.history).toHaveLength(1);
    expect(clients.outstanding).toBe(0);
  });

  it('waits for sequence 1 to apply, then stamps the lowest unanswered sequence', () => {
    const { clients, proposals, advance } = harness();
    clients.issueWrite();
    clients.issueWrite();
    expect(proposals).toHaveLength(1);
    proposals[0]!.answer(applied(1, 1));
    clients.issueWrite();
    clients.issueWrite();
    expect(proposals.map((proposal) => proposal.command.session)).toEqual([
      { clientId: 'c1.0', sequence: 1, firstUnacknowledgedSequence: 1 },
      { clientId: 'c1.0', sequence: 2, firstUnacknowledgedSequence: 2 },
      { clientId: 'c1.0', sequence: 3, firstUnacknowledgedSequence: 2 },
    ]);
    proposals[2]!.answer(applied(3, 2));
    advance(11);
    expect(proposals[3]!.command.session).toEqual({
      clientId: 'c1.0',
      sequence: 2,
      firstUnacknowledgedSequence: 2,
    });
  });

  it('a write whose attempts were all refused failed; one that may have applied is unknown', () => {
    const { clients, proposals, advance } = harness();
    clients.issueWrite();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      proposals[attempt]!.answer({ ok: false, reason: 'not-leader', leaderHint: null });
      advance(8);
    }
    expect(clients.history.map((operation) => operation.outcome)).toEqual([{ status: 'failed' }]);
    // Sequence 1 did not apply: the client starts a new session.
    clients.issueWrite();
    expect(proposals[3]!.command.session?.clientId).toBe('c1.1');
    proposals[3]!.answer({ ok: false, reason: 'outcome-unknown', leaderHint: null });
    advance(30);
    expect(clients.history.map((operation) => operation.outcome)).toEqual([
      { status: 'failed' },
      { status: 'unknown' },
    ]);
    expect(clients.counters.writesUnknown).toBe(1);
  });

  it('a late refusal of an earlier attempt does not cut short the attempt in flight', () => {
    const { clients, proposals, advance } = harness();
    clients.issueWrite();
    advance(11);
    expect(proposals).toHaveLength(2);
    proposals[0]!.answer({ ok: false, reason: 'not-leader', leaderHint: null });
    advance(5);
    expect(proposals).toHaveLength(2);
    advance(6);
    expect(proposals).toHaveLength(3);
    expect(clients.counters.sessionRetries).toBe(2);
  });

  it('records a compare-and-swap by whether it swapped', () => {
    const { clients, proposals } = harness(0);
    clients.issueWrite();
    const command = proposals[0]!.command;
    expect(command.operation).toMatchObject({
      type: 'compareAndSwap',
      expected: { target: 'version', value: 0 },
    });
    proposals[0]!.answer({
      ok: true,
      index: 1,
      term: 1,
      result: { ok: true, revision: 0, result: { type: 'compareAndSwap', succeeded: false, current: null } },
    });
    expect(clients.history).toEqual([
      expect.objectContaining({
        input: { type: 'cas', key: 'k0', expected: null, value: 'v1' },
        outcome: { status: 'ok', result: false },
      }),
    ]);
  });
});
