// End-to-end membership (issue 4 §8): a new raftkvd joins a 3-node cluster through a FOLLOWER with
// --join after the log was compacted, so it must receive a snapshot; it becomes a voter and serves
// the data.

import { eventually, killAllRaftkvd } from '@raftkv/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster } from '../src/test-cluster.js';

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  await killAllRaftkvd();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('joining', () => {
  it('a new node joins through a follower, receives a snapshot of the compacted log, and serves the data', async () => {
    cluster = await TestCluster.start({ size: 3, snapshotThresholdEntries: 20 });
    const client = cluster.client({ timeoutMs: 10_000 });
    for (let index = 0; index < 60; index += 1)
      await client.put(`data-${String(index).padStart(2, '0')}`, `v${index}`);
    const leader = await cluster.waitForLeader(5000);
    const compacted = await eventually(
      async () => {
        const status = await cluster!.status(leader.id);
        return status.firstIndex > 1 ? status : undefined;
      },
      { timeoutMs: 10_000, what: 'the leader to compact its log' },
    );
    const follower = cluster.ids.find((id) => id !== leader.id)!;

    await cluster.join('n4', cluster.httpUrl(follower));
    const joined = await eventually(
      async () => {
        const status = await cluster!.status('n4');
        const member = status.members.find((candidate) => candidate.id === 'n4');
        return member?.role === 'voter' && status.appliedIndex >= compacted.commitIndex ? status : undefined;
      },
      { timeoutMs: 30_000, what: 'n4 to be promoted to voter and catch up' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${cluster!.logTails()}`);
    });

    // n4 started with an empty log: a first index past 1 means its log begins after an installed
    // snapshot, and raftkvd says so in its log.
    expect(joined.firstIndex).toBeGreaterThan(1);
    expect(cluster.processes.get('n4')!.logTail(1_000)).toMatch(
      /n4 installed snapshot at index \d+ term \d+/,
    );
    const fromNewNode = cluster.client({
      endpoints: [cluster.clientAddress('n4')],
      consistency: 'serializable',
    });
    const pairs = await fromNewNode.range({ prefix: 'data-' });
    expect(pairs.keyValues).toHaveLength(60);
    expect(text(pairs.keyValues[59]!.value)).toBe('v59');
    const leaderView = await cluster.status((await cluster.waitForLeader(5000)).id);
    expect(leaderView.members.map((member) => member.id).sort()).toEqual(['n1', 'n2', 'n3', 'n4']);
  });
});
