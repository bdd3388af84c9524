// Unit tests of the checkers themselves: each one, fed a history that breaks its property, must
// complain with a message naming the node(s), term and index; fed a good history, it stays quiet.

import { decodeCommand, encodeCommand, type KvApplyResult, type KvCommand } from '@raftkv/kv';
import { ReferenceModel } from '@raftkv/kv/testing';
import {
  type Entry,
  MemoryLogStorage,
  type Message,
  type NodeId,
  nodeId,
  type RequestVoteResponse,
} from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import { disjointMajoritiesExist } from '../src/internal/checkers/election-safety.js';
import { SafetyCheckers } from '../src/internal/checkers/safety-checkers.js';

const n1 = nodeId('n1');
const n2 = nodeId('n2');
const n3 = nodeId('n3');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The bytes of a put of `value` at key k (a delete when value is null), optionally with a session. */
const data = (value: string | null, session?: KvCommand['session']): Uint8Array =>
  encodeCommand({
    operation:
      value === null
        ? { type: 'delete', key: utf8('k') }
        : { type: 'put', key: utf8('k'), value: utf8(value) },
    session,
  });

const command = (
  index: number,
  term: number,
  value: string | null,
  session?: KvCommand['session'],
): Entry => ({
  index,
  term,
  kind: 'command',
  data: data(value, session),
});

/** A put's result as the KV state machine gives it, at store revision `revision`. */
const putResult = (revision: number): KvApplyResult => ({
  ok: true,
  revision,
  result: { type: 'put', previous: null },
});

const vote = (from: NodeId, to: NodeId, term: number, preVote = false): RequestVoteResponse => ({
  type: 'RequestVoteResponse',
  term,
  from,
  to,
  voteGranted: true,
  preVote,
});

/** Each test's own reference results by index, so `apply` can hand the checker correct results. */
const expectedResults = new WeakMap<SafetyCheckers, { model: ReferenceModel; byIndex: KvApplyResult[] }>();

function expectedResult(checkers: SafetyCheckers, entry: Entry): KvApplyResult {
  let expected = expectedResults.get(checkers);
  if (expected === undefined) {
    expected = { model: new ReferenceModel(), byIndex: [] };
    expectedResults.set(checkers, expected);
  }
  if (!(entry.index in expected.byIndex)) {
    const decoded = entry.kind === 'command' ? decodeCommand(entry.data) : null;
    expected.byIndex[entry.index] =
      decoded?.ok === true
        ? expected.model.apply(decoded.command.operation, decoded.command.session)
        : undefined;
  }
  return expected.byIndex[entry.index];
}

/** Applies `entries` on `node` through the history, the way the KV machine reports them; by default
 * with the results a correct machine computes. */
function apply(
  checkers: SafetyCheckers,
  node: NodeId,
  previous: number,
  entries: Entry[],
  results?: KvApplyResult[],
): void {
  const computed = results ?? entries.map((entry) => expectedResult(checkers, entry));
  checkers.history.onApplied(node, previous, entries, computed);
}

describe('election safety checker', () => {
  it('complains about two leaders in one term, naming both and the term', () => {
    const checkers = new SafetyCheckers();
    checkers.electionSafety.onLeader(n1, 3, 'soft state');
    checkers.electionSafety.onLeader(n1, 4, 'soft state');
    expect(checkers.violations.any).toBe(false);
    checkers.electionSafety.onLeader(n2, 3, 'soft state');
    expect(checkers.violations.all[0]).toMatchObject({ checker: 'election-safety' });
    expect(checkers.violations.all[0]!.message).toMatch(/term 3: n1 and n2/);
  });

  it('takes an AppendEntries as evidence of leadership', () => {
    const checkers = new SafetyCheckers();
    checkers.electionSafety.onLeader(n1, 2, 'soft state');
    const append: Message = {
      type: 'AppendEntries',
      term: 2,
      from: n3,
      to: n1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [],
      leaderCommit: 0,
      sequence: 1,
    };
    checkers.onMessageSent(append);
    expect(checkers.violations.all[0]!.message).toMatch(/n1 and n3/);
  });
});

describe('election safety: votes and configurations', () => {
  const n4 = nodeId('n4');
  const n5 = nodeId('n5');
  const grantedTo = (checkers: SafetyCheckers) => (voter: NodeId, term: number) =>
    checkers.voteDurability.grantedTo(voter, term);

  it("a leader must hold its term's votes from a majority; votes of other terms or pre-votes do not count", () => {
    const checkers = new SafetyCheckers();
    checkers.onMessageSent(vote(n2, n1, 4));
    checkers.onMessageSent(vote(n3, n1, 3));
    checkers.onMessageSent(vote(n3, n1, 4, true));
    checkers.electionSafety.checkMajority(n1, 4, [n1, n2, n3], grantedTo(checkers));
    expect(checkers.violations.any).toBe(false);
    checkers.electionSafety.checkMajority(n1, 4, [n1, n2, n3, n4, n5], grantedTo(checkers));
    expect(checkers.violations.all[0]).toMatchObject({ checker: 'election-safety' });
    expect(checkers.violations.all[0]!.message).toBe(
      'n1 became leader of term 4 with votes from {n1,n2} only, not a majority of the voters {n1,n2,n3,n4,n5}',
    );
  });

  it('knows when two configurations can have disjoint majorities (thesis §4.1)', () => {
    expect(disjointMajoritiesExist([n1, n2, n3], [n1, n2, n3, n4])).toBe(false);
    expect(disjointMajoritiesExist([n1, n2, n3, n4], [n1, n2, n4])).toBe(false);
    expect(disjointMajoritiesExist([n1, n2, n3], [n1, n2, n3, n4, n5])).toBe(true);
    expect(disjointMajoritiesExist([n1, n2, n3], [n1, n3, n4])).toBe(true);
    expect(disjointMajoritiesExist([n1, n2, n3, n4, n5], [n1, n2, n3])).toBe(true);
    expect(disjointMajoritiesExist([n1], [n2])).toBe(true);
  });

  it('complains when two nodes that could be elected now have configurations with disjoint majorities', () => {
    const log = new MemoryLogStorage();
    const checkers = new SafetyCheckers();
    checkers.electionSafety.checkElectableOverlap([
      { id: n1, log, voters: [n1, n2, n3] },
      { id: n4, log, voters: [n1, n2, n3, n4] },
    ]);
    expect(checkers.violations.any).toBe(false);
    checkers.electionSafety.checkElectableOverlap([
      { id: n1, log, voters: [n1, n2, n3] },
      { id: n4, log, voters: [n1, n3, n4] },
    ]);
    expect(checkers.violations.all[0]!.message).toBe(
      'n1 (voters {n1,n2,n3}) and n4 (voters {n1,n3,n4}) could both be elected now, by disjoint majorities',
    );
  });
});

describe('vote durability checker', () => {
  it('complains when a node grants its vote to two candidates in one term', () => {
    const checkers = new SafetyCheckers();
    checkers.onMessageSent(vote(n1, n2, 5));
    checkers.onMessageSent(vote(n1, n2, 5));
    checkers.onMessageSent(vote(n1, n3, 6));
    checkers.onMessageSent(vote(n1, n3, 5, true));
    expect(checkers.violations.any).toBe(false);
    checkers.onMessageSent(vote(n1, n3, 5));
    expect(checkers.violations.all[0]).toMatchObject({ checker: 'vote-durability' });
    expect(checkers.violations.all[0]!.message).toBe('n1 granted its term-5 vote to both n2 and n3');
  });
});

describe('log matching checker', () => {
  it('accepts logs that differ only after their last common entry', () => {
    const checkers = new SafetyCheckers();
    checkers.logMatching.check([
      { id: n1, entries: [command(1, 1, 'a'), command(2, 1, 'b'), command(3, 2, 'c')] },
      { id: n2, entries: [command(2, 1, 'b'), command(3, 3, 'x'), command(4, 3, 'y')] },
    ]);
    expect(checkers.violations.any).toBe(false);
  });

  it('complains when logs share an index and term but differ earlier', () => {
    const checkers = new SafetyCheckers();
    checkers.logMatching.check([
      { id: n1, entries: [command(1, 1, 'a'), command(2, 1, 'b'), command(3, 2, 'c')] },
      { id: n2, entries: [command(1, 1, 'a'), command(2, 1, 'DIFFERENT'), command(3, 2, 'c')] },
    ]);
    expect(checkers.violations.all[0]).toMatchObject({ checker: 'log-matching' });
    expect(checkers.violations.all[0]!.message).toMatch(
      /n1 and n2 both hold index 3 term 2 but differ at index 2/,
    );
  });
});

describe('state machine safety (applied history)', () => {
  it('complains when two nodes apply different entries at one index', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a'), command(2, 2, 'b')]);
    apply(checkers, n2, 0, [command(1, 1, 'a')]);
    expect(checkers.violations.any).toBe(false);
    apply(checkers, n2, 1, [command(2, 3, 'z')], [putResult(2)]);
    expect(checkers.violations.all[0]).toMatchObject({ checker: 'state-machine-safety' });
    expect(checkers.violations.all[0]!.message).toBe('index 2 applied as term 2 by n1 but as term 3 by n2');
  });

  it('complains when a node skips entries', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a')]);
    apply(checkers, n1, 1, [command(3, 1, 'c')], [putResult(2)]);
    expect(checkers.violations.all[0]!.message).toMatch(/n1 applied index 3 right after index 1/);
  });

  it('accepts a node that applies entries again after a crash lost its deferred writes', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a'), command(2, 1, 'b')]);
    apply(checkers, n1, 0, [command(1, 1, 'a'), command(2, 1, 'b')]);
    expect(checkers.violations.all).toEqual([]);
  });

  it('complains when a node computes a different result (diverged state)', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a')]);
    apply(checkers, n2, 0, [command(1, 1, 'a')], [putResult(7)]);
    expect(checkers.violations.all[0]!.message).toMatch(
      /n2 computed \{ok:true,result:\{previous:null,type:"put"\},revision:7\} for index 1 term 1, the reference model .*revision:1\}/,
    );
  });

  it('complains about a restored snapshot whose values differ from the history at its index', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a'), command(2, 1, 'b')]);
    const metadata = { index: 1, term: 1, configuration: { members: [] } };
    checkers.history.onRestored(n2, metadata, new Map([['k', 'a']]));
    expect(checkers.violations.any).toBe(false);
    checkers.history.onRestored(n3, metadata, new Map([['k', 'b']]));
    expect(checkers.violations.all[0]!.message).toMatch(
      /n3 restored a snapshot at index 1 term 1 holding k="b", but it was "a" there/,
    );
  });

  it('reports the values of a key over an index range', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a'), command(2, 1, 'b'), command(3, 1, null), command(4, 1, 'c')]);
    expect(checkers.history.valueAt('k', 0)).toBeUndefined();
    expect(checkers.history.valueAt('k', 2)).toBe('b');
    expect(checkers.history.valueAt('k', 3)).toBeUndefined();
    expect(checkers.history.valuesBetween('k', 1, 4)).toEqual(['a', 'b', undefined, 'c']);
    expect(checkers.history.valuesBetween('k', 4, 4)).toEqual(['c']);
  });
});

describe('leader completeness checker', () => {
  it('complains when a new leader lacks an entry committed in an earlier term', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a'), command(2, 2, 'b')]);
    checkers.leaderCompleteness.onCommitIndexKnown(2, 2);
    const good = new MemoryLogStorage({
      hardState: { term: 3, votedFor: n2, commitIndex: 2 },
      entries: [command(1, 1, 'a'), command(2, 2, 'b')],
    });
    checkers.leaderCompleteness.checkNewLeader(n2, 3, good);
    expect(checkers.violations.any).toBe(false);
    const stale = new MemoryLogStorage({
      hardState: { term: 3, votedFor: n3, commitIndex: 1 },
      entries: [command(1, 1, 'a'), command(2, 1, 'old')],
    });
    checkers.leaderCompleteness.checkNewLeader(n3, 3, stale);
    expect(checkers.violations.all[0]).toMatchObject({ checker: 'leader-completeness' });
    expect(checkers.violations.all[0]!.message).toMatch(
      /n3 became leader of term 3 holding term 1 at index 2/,
    );
  });

  it('does not require entries committed only in the same or a later term', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a'), command(2, 4, 'b')]);
    checkers.leaderCompleteness.onCommitIndexKnown(4, 2);
    const short = new MemoryLogStorage({
      hardState: { term: 3, votedFor: n3, commitIndex: 1 },
      entries: [command(1, 1, 'a')],
    });
    checkers.leaderCompleteness.checkNewLeader(n3, 3, short);
    expect(checkers.violations.any).toBe(false);
    checkers.leaderCompleteness.checkNewLeader(n3, 5, short);
    expect(checkers.violations.all[0]!.message).toMatch(
      /n3 became leader of term 5 with a log ending at index 1, though index 2 is committed/,
    );
  });

  it('complains when a node that a majority would elect lacks a committed entry (fig. 8)', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a'), command(2, 2, 'b')]);
    checkers.leaderCompleteness.onCommitIndexKnown(4, 2);
    const log = (...entries: Entry[]) =>
      new MemoryLogStorage({ hardState: { term: 4, votedFor: null, commitIndex: 0 }, entries });
    const voters = [n1, n2, n3];
    const committed = { id: n1, log: log(command(1, 1, 'a'), command(2, 2, 'b')), voters };
    const behind = { id: n2, log: log(command(1, 1, 'a')), voters };
    const divergent = { id: n3, log: log(command(1, 1, 'a'), command(2, 3, 'x')), voters };
    checkers.leaderCompleteness.checkElectable([committed, behind, { ...divergent, voters: [n1, n2] }]);
    expect(checkers.violations.any).toBe(false);
    checkers.leaderCompleteness.checkElectable([committed, behind, divergent]);
    expect(checkers.violations.all[0]).toMatchObject({ checker: 'leader-completeness' });
    expect(checkers.violations.all[0]!.message).toMatch(
      /n3 could be elected now \(its log is as up-to-date as n1,n2,n3\) but holding term 3 at index 2, where term 2 is committed/,
    );
  });
});

describe('acknowledged proposals checker', () => {
  it('complains when an acknowledgement names an index holding another entry', () => {
    const checkers = new SafetyCheckers();
    checkers.proposals.onProposed('v1', data('v1'));
    checkers.proposals.onProposed('v2', data('v2'));
    apply(checkers, n1, 0, [command(1, 1, 'v1')]);
    checkers.proposals.onResult('v1', data('v1'), n1, { ok: true, index: 1, term: 1, result: putResult(1) });
    expect(checkers.violations.any).toBe(false);
    checkers.proposals.onResult('v2', data('v2'), n1, { ok: true, index: 1, term: 1, result: putResult(1) });
    expect(checkers.violations.all[0]).toMatchObject({ checker: 'acknowledged-proposals' });
    expect(checkers.violations.all[0]!.message).toMatch(/n1 acknowledged v2 at index 1 term 1/);
  });

  it('complains when an acknowledgement carries another result than the entry yields', () => {
    const checkers = new SafetyCheckers();
    checkers.proposals.onProposed('v1', data('v1'));
    apply(checkers, n1, 0, [command(1, 1, 'v1')]);
    checkers.proposals.onResult('v1', data('v1'), n1, { ok: true, index: 1, term: 1, result: putResult(5) });
    expect(checkers.violations.all[0]!.message).toMatch(/with result .*revision:5.*, but applying it yields/);
  });

  it('complains when a definitely refused proposal is applied anyway', () => {
    const checkers = new SafetyCheckers();
    checkers.proposals.onProposed('v1', data('v1'));
    checkers.proposals.onResult('v1', data('v1'), n2, { ok: false, reason: 'not-leader', leaderHint: n1 });
    apply(checkers, n1, 0, [command(1, 1, 'v1')]);
    expect(checkers.violations.all[0]!.message).toBe(
      'v1 applied at indexes 1, but proposed 1 times, 1 definitely refused (n2 refused v1 (not-leader))',
    );
  });

  it('accepts an unknown outcome that later applies, but not one proposal applied twice', () => {
    const checkers = new SafetyCheckers();
    checkers.proposals.onProposed('v1', data('v1'));
    checkers.proposals.onResult('v1', data('v1'), n2, {
      ok: false,
      reason: 'outcome-unknown',
      leaderHint: null,
    });
    apply(checkers, n1, 0, [command(1, 1, 'v1')]);
    expect(checkers.violations.any).toBe(false);
    apply(checkers, n1, 1, [command(2, 1, 'v1')]);
    expect(checkers.violations.all[0]!.message).toBe('v1 applied at indexes 1, 2, but proposed 1 times');
  });

  it('accepts a retried request in the log twice, once per proposal', () => {
    const checkers = new SafetyCheckers();
    const session = { clientId: 'c1', sequence: 1, firstUnacknowledgedSequence: 1 };
    checkers.proposals.onProposed('c1#1', data('v1', session));
    checkers.proposals.onProposed('c1#1', data('v1', session));
    apply(checkers, n1, 0, [command(1, 1, 'v1', session), command(2, 1, 'v1', session)]);
    expect(checkers.violations.all).toEqual([]);
  });
});

describe('exactly-once checker', () => {
  const session = { clientId: 'c1', sequence: 1, firstUnacknowledgedSequence: 1 };

  it('accepts a retry the session answers with the first result', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a', session), command(2, 1, 'a', session)]);
    expect(checkers.history.entryAt(2)?.result).toEqual(putResult(1));
    checkers.exactlyOnce.onAnswer('c1', 1, n1, 2, putResult(1));
    expect(checkers.violations.all).toEqual([]);
  });

  it('complains when a node applies a retried request again', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a', session)]);
    apply(checkers, n1, 1, [command(2, 1, 'a', session)], [putResult(2)]);
    expect(checkers.violations.all[0]).toMatchObject({ checker: 'exactly-once' });
    expect(checkers.violations.all[0]!.message).toMatch(
      /n1 applied request c1#1 again at index 2 \(result .*revision:2\}\), though index 1 already applied it/,
    );
  });

  it('complains when a client gets another answer than the first result', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a', session), command(2, 1, 'a', session)]);
    checkers.exactlyOnce.onAnswer('c1', 1, n2, 2, putResult(2));
    expect(checkers.violations.all[0]!.message).toMatch(
      /n2 answered request c1#1 from index 2 with .*revision:2\}, but its first result \(index 1\) was/,
    );
  });
});

describe('linearizable reads: the serving leader still led after the read arrived', () => {
  it('complains when a read is served in a term older than a leader elected before it was issued', () => {
    const checkers = new SafetyCheckers();
    checkers.electionSafety.onLeader(n1, 2, 'soft state');
    checkers.reads.onIssued(1, 'k');
    checkers.electionSafety.onLeader(n2, 3, 'soft state');
    checkers.reads.onIssued(2, 'k');
    checkers.reads.onResult(1, n1, { ok: true, index: 0, result: undefined }, 2);
    expect(checkers.violations.any).toBe(false);
    checkers.reads.onResult(2, n1, { ok: true, index: 0, result: undefined }, 2);
    expect(checkers.violations.all[0]).toMatchObject({ checker: 'linearizable-reads' });
    expect(checkers.violations.all[0]!.message).toBe(
      'read #2 of k served by n1 at read index 0 in term 2, but a leader of term 3 was elected before the read was issued',
    );
  });
});

describe('linearizable reads checker', () => {
  it('complains when a read misses a write acknowledged before it was issued', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a'), command(2, 1, 'b')]);
    checkers.reads.onCompleted(2);
    checkers.reads.onIssued(7, 'k');
    checkers.reads.onResult(7, n3, { ok: true, index: 2, result: 'a' });
    expect(checkers.violations.all[0]).toMatchObject({ checker: 'linearizable-reads' });
    expect(checkers.violations.all[0]!.message).toMatch(
      /read #7 of k served by n3 at read index 2 returned "a"/,
    );
  });

  it('complains about a read index below an earlier acknowledged write', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a'), command(2, 1, 'b')]);
    checkers.reads.onCompleted(2);
    checkers.reads.onIssued(8, 'k');
    checkers.reads.onResult(8, n3, { ok: true, index: 1, result: 'b' });
    expect(checkers.violations.all[0]!.message).toMatch(/read index is outside \[2, 2\]/);
  });

  it('accepts any value the key held between the issue and the answer', () => {
    const checkers = new SafetyCheckers();
    apply(checkers, n1, 0, [command(1, 1, 'a')]);
    checkers.reads.onIssued(1, 'k');
    apply(checkers, n1, 1, [command(2, 1, 'b')]);
    checkers.reads.onResult(1, n1, { ok: true, index: 1, result: 'a' });
    checkers.reads.onIssued(2, 'k');
    checkers.reads.onResult(2, n1, { ok: true, index: 2, result: 'b' });
    checkers.reads.onIssued(3, 'other');
    checkers.reads.onResult(3, n1, { ok: true, index: 2, result: undefined });
    expect(checkers.violations.all).toEqual([]);
  });
});
