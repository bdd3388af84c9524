// Paper-clause tests for membership changes (thesis ch. 4): learners, promotion, removal (of the
// leader too), the refusals, and the latest-configuration rule including reverting on truncation.
import { describe, expect, it } from 'vitest';
import type { Configuration, Entry } from '../src/index.js';
import { commands, id, SoloNode, TestCluster } from './harness.js';

const memberIds = (configuration: Configuration) =>
  configuration.members.map((member) => `${member.id}:${member.role}`).sort();

/** A 3-voter cluster with n1 leading, plus an empty server n4 that is not yet a member. */
function clusterWithSpare(): TestCluster {
  const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
  cluster.addNode('n4');
  cluster.elect('n1');
  return cluster;
}

describe('membership changes (thesis ch. 4)', () => {
  it('adds a learner, which catches up but does not count for commitment (thesis §4.2.1)', () => {
    const cluster = clusterWithSpare();
    const outcome = cluster.raft('n1').changeMembership({ type: 'addLearner', id: id('n4'), address: 'a4' });
    expect(outcome.accepted).toBe(true);
    cluster.propose('n1', 'x');
    cluster.process();
    expect(cluster.values('n4')).toEqual(['x']);
    expect(memberIds(cluster.raft('n4').status().configuration)).toEqual([
      'n1:voter',
      'n2:voter',
      'n3:voter',
      'n4:learner',
    ]);
    cluster.isolate('n2');
    cluster.isolate('n3');
    const commitIndex = cluster.raft('n1').status().commitIndex;
    cluster.propose('n1', 'y');
    cluster.tick(['n1', 'n4'], 3);
    expect(cluster.raft('n1').status().commitIndex).toBe(commitIndex);
  });

  it('promotes a learner to voter; the quorum then includes it', () => {
    const cluster = clusterWithSpare();
    cluster.raft('n1').changeMembership({ type: 'addLearner', id: id('n4'), address: 'a4' });
    cluster.process();
    expect(cluster.raft('n1').changeMembership({ type: 'promoteLearner', id: id('n4') }).accepted).toBe(true);
    cluster.process();
    expect(memberIds(cluster.raft('n4').status().configuration)).toContain('n4:voter');
    // 4 voters: n1 + n4 alone are not a majority.
    cluster.isolate('n2');
    cluster.isolate('n3');
    const commitIndex = cluster.raft('n1').status().commitIndex;
    cluster.propose('n1', 'needs-three');
    cluster.tick(['n1', 'n4'], 3);
    expect(cluster.raft('n1').status().commitIndex).toBe(commitIndex);
    cluster.heal();
    cluster.tick(['n1'], 2);
    expect(cluster.values('n4')).toContain('needs-three');
  });

  it('removes a voter: the leader stops replicating to it and commits without it', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    expect(cluster.raft('n1').changeMembership({ type: 'removeMember', id: id('n3') }).accepted).toBe(true);
    cluster.process();
    expect(Object.keys(cluster.raft('n1').status().progress ?? {})).toEqual(['n2']);
    cluster.isolate('n3');
    cluster.propose('n1', 'two-voters');
    cluster.process();
    expect(cluster.values('n2')).toContain('two-voters');
    // n3 received its removal before the leader let go of it, so it never campaigns.
    expect(memberIds(cluster.raft('n3').status().configuration)).toEqual(['n1:voter', 'n2:voter']);
    cluster.tick(['n3'], 100);
    expect(cluster.raft('n3').status().role).toBe('follower');
  });

  it('removes the leader: it does not count itself for the removal, steps down once it commits (thesis §4.2.2)', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    cluster.isolate('n3');
    const outcome = cluster.raft('n1').changeMembership({ type: 'removeMember', id: id('n1') });
    expect(outcome.accepted).toBe(true);
    cluster.process();
    const removalIndex = outcome.accepted ? outcome.index : 0;
    // n1 and n2 hold the entry, but the new configuration {n2, n3} needs both n2 and n3.
    expect(cluster.raft('n1').status()).toMatchObject({ role: 'leader' });
    expect(cluster.raft('n1').status().commitIndex).toBeLessThan(removalIndex);
    cluster.heal();
    cluster.tick(['n1']);
    expect(cluster.raft('n1').status().role).toBe('follower');
    expect(cluster.raft('n1').status().commitIndex).toBeGreaterThanOrEqual(removalIndex);
    cluster.tick(['n1', 'n2', 'n3'], 40);
    const leaders = cluster.leaders();
    expect(leaders.length).toBe(1);
    expect(leaders[0]).not.toBe('n1');
    expect(cluster.raft('n1').status().role).toBe('follower');
  });

  it('refuses a second change while a configuration entry is uncommitted', () => {
    const cluster = clusterWithSpare();
    cluster.isolate('n2');
    cluster.isolate('n3');
    expect(
      cluster.raft('n1').changeMembership({ type: 'addLearner', id: id('n4'), address: 'a4' }).accepted,
    ).toBe(true);
    expect(cluster.raft('n1').changeMembership({ type: 'promoteLearner', id: id('n4') })).toMatchObject({
      accepted: false,
      reason: 'membership-change-in-progress',
    });
  });

  it('refuses a change before the leader has committed an entry in its term', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'], config: { checkQuorum: false } });
    cluster.elect('n1');
    cluster.filter = (message) => message.type !== 'AppendEntriesResponse';
    cluster.elect('n2');
    expect(cluster.raft('n2').changeMembership({ type: 'removeMember', id: id('n3') })).toMatchObject({
      accepted: false,
      reason: 'no-leader-commit-in-term',
    });
  });

  it('refuses invalid changes: add an existing id, promote a non-learner, remove unknown, remove the last voter', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    const leader = cluster.raft('n1');
    const invalid = { accepted: false, reason: 'invalid-membership-change' };
    expect(leader.changeMembership({ type: 'addLearner', id: id('n2'), address: 'x' })).toMatchObject(
      invalid,
    );
    expect(leader.changeMembership({ type: 'promoteLearner', id: id('n2') })).toMatchObject(invalid);
    expect(leader.changeMembership({ type: 'removeMember', id: id('n9') })).toMatchObject(invalid);
    const solo = new TestCluster({ voters: ['n1'] });
    solo.elect('n1');
    expect(solo.raft('n1').changeMembership({ type: 'removeMember', id: id('n1') })).toMatchObject(invalid);
  });

  it('followers refuse membership changes with not-leader', () => {
    const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'] });
    cluster.elect('n1');
    expect(cluster.raft('n2').changeMembership({ type: 'removeMember', id: id('n3') })).toEqual({
      accepted: false,
      reason: 'not-leader',
      leaderHint: 'n1',
    });
  });

  it('uses the latest configuration in its log, uncommitted, and reverts when that entry is truncated (§4.1)', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], term: 2 });
    const added: Configuration = {
      members: [
        ...['n1', 'n2', 'n3'].map((v) => ({ id: id(v), role: 'voter' as const, address: v })),
        { id: id('n4'), role: 'learner', address: 'n4' },
      ],
    };
    const configurationEntry: Entry = { index: 2, term: 2, kind: 'configuration', configuration: added };
    const base = {
      type: 'AppendEntries' as const,
      from: id('n1'),
      to: id('n2'),
      leaderCommit: 0,
      sequence: 1,
    };
    node.step({ ...base, term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [configurationEntry] });
    node.cycle();
    expect(memberIds(node.raft.status().configuration)).toContain('n4:learner');
    node.step({
      ...base,
      from: id('n3'),
      term: 3,
      prevLogIndex: 1,
      prevLogTerm: 1,
      entries: commands(2, [3]),
    });
    node.cycle();
    expect(memberIds(node.raft.status().configuration)).toEqual(['n1:voter', 'n2:voter', 'n3:voter']);
  });

  it('recovers the latest configuration from the stored log on restart', () => {
    const cluster = clusterWithSpare();
    cluster.raft('n1').changeMembership({ type: 'addLearner', id: id('n4'), address: 'a4' });
    cluster.process();
    cluster.restart('n2');
    expect(memberIds(cluster.raft('n2').status().configuration)).toContain('n4:learner');
  });
});
