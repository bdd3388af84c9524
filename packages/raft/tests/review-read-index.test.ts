// Review tests for ReadIndex (thesis §6.4): a read may only be confirmed by heartbeat echoes that a
// quorum produced in the leader's CURRENT term after the read was registered. Must not weaken that.
import { describe, expect, it } from 'vitest';
import type { AppendEntries, AppendEntriesResponse, Message } from '../src/index.js';
import { TestCluster } from './harness.js';

const isAppendFrom =
  (from: string, to: string, term: number) =>
  (message: Message): message is AppendEntries =>
    message.type === 'AppendEntries' && message.from === from && message.to === to && message.term === term;

describe('review: ReadIndex echoes (thesis §6.4)', () => {
  it('an answer to a previous-term AppendEntries does not echo its sequence into the current term (§6.4)', () => {
    // checkQuorum off: no leader lease, so n1 can be re-elected at once and stays leader when isolated.
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'], config: { checkQuorum: false } });
    cluster.elect('n1');
    cluster.tick(['n1'], 12);
    const oldTerm = cluster.raft('n1').status().term;
    const oldHeartbeat = cluster.sent.filter(isAppendFrom('n1', 'n3', oldTerm)).at(-1)!;
    const staleSequence = oldHeartbeat.sequence;
    expect(staleSequence).toBeGreaterThan(5);

    // n1 crashes and restarts (its heartbeat counter restarts from 0), then wins the next term.
    cluster.crash('n1');
    cluster.restart('n1');
    cluster.elect('n1');
    const term = cluster.raft('n1').status().term;
    expect(term).toBeGreaterThan(oldTerm);

    // The network duplicates n1's old heartbeat; n3 (now in n1's new term) answers it as stale.
    cluster.deliver(oldHeartbeat);
    cluster.runReady(cluster.node('n3'));
    const staleAnswer = cluster.queue.find(
      (message): message is AppendEntriesResponse =>
        message.type === 'AppendEntriesResponse' && message.from === 'n3' && message.term === term,
    );
    expect(staleAnswer).toBeDefined();
    cluster.queue = [];

    // n1 reaches the heartbeat round just below the stale one, then is cut off; n2 and n3 move on.
    const lastSequence = () => cluster.sent.filter(isAppendFrom('n1', 'n2', term)).at(-1)?.sequence ?? 0;
    while (lastSequence() < staleSequence - 1) cluster.tick(['n1']);
    expect(lastSequence()).toBe(staleSequence - 1);
    cluster.isolate('n1');
    cluster.elect('n2');
    cluster.propose('n2', 'newer');
    cluster.process();
    expect(cluster.values('n2')).toContain('newer');

    // The isolated n1 registers a read (round staleSequence), then the old echo shows up.
    expect(cluster.raft('n1').readIndex(42)).toEqual({ accepted: true });
    cluster.process();
    cluster.raft('n1').step(staleAnswer!);
    cluster.process();
    // No quorum heard n1's round after the read: confirming it would serve a stale read ('newer' missing).
    expect(cluster.node('n1').readStates).toEqual([]);
  });

  it("a read registered after hasReady() built this Ready's heartbeats still gets its own heartbeat round (§6.4)", () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    const n1 = cluster.raft('n1');
    n1.tick();
    // The app asks hasReady() (e.g. RaftActor.hasWork()); the heartbeats are built now, with the
    // current round. A read arriving before ready() needs the NEXT round, so it must be sent too.
    expect(n1.hasReady()).toBe(true);
    const commitIndex = n1.status().commitIndex;
    expect(n1.readIndex(7)).toEqual({ accepted: true });
    cluster.process(); // no tick: no periodic heartbeat may come to the rescue
    expect(cluster.node('n1').readStates).toEqual([{ context: 7, index: commitIndex }]);
  });
});
