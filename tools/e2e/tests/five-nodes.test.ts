// End-to-end with 5 real raftkvd processes (issue 4 §8): the cluster tolerates 2 failures, the
// leader among them — writes and linearizable reads still succeed on the remaining majority of 3.

import { killAllRaftkvd } from '@raftkv/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster } from '../src/test-cluster.js';

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  await killAllRaftkvd();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('5 nodes', () => {
  it('tolerate 2 failures (the leader and a follower): writes and linearizable reads succeed', async () => {
    cluster = await TestCluster.start({ size: 5 });
    const client = cluster.client({ timeoutMs: 10_000 });
    await client.put('before', 'failures');
    const leader = await cluster.waitForLeader(5000);
    const victims = [leader.id, cluster.ids.find((id) => id !== leader.id)!];

    await Promise.all(victims.map((id) => cluster!.kill(id)));
    await cluster.waitForLeader(15_000, { aboveTerm: leader.term });
    for (let index = 0; index < 10; index += 1) await client.put(`after-${index}`, String(index));
    const before = await client.get('before', { consistency: 'linearizable' });
    const after = await client.range({ prefix: 'after-' }, { consistency: 'linearizable' });

    expect(before.found && text(before.keyValue.value)).toBe('failures');
    expect(after.keyValues.map((pair) => text(pair.value))).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
    ]);
    expect(cluster.liveIds()).toHaveLength(3);
  });
});
