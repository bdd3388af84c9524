// End-to-end failover with real raftkvd processes (issue 4 §8): SIGKILL the leader of 3 → a new
// leader within 3 election timeouts, no acknowledged write lost, writes continue, and the restarted
// node catches up to the same state; with 2 of 3 down a write fails clearly within its timeout.
import { KvClientError } from '@raftkv/client';
import { eventually, killAllRaftkvd } from '@raftkv/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { electionTimeoutMsDefault, TestCluster } from '../src/test-cluster.js';

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  await killAllRaftkvd();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Writes key-0, key-1, … one after another until stopped; remembers which writes were acknowledged. */
function startWriter(put: (key: string, value: string) => Promise<unknown>) {
  const acknowledged = new Map<string, string>();
  const unknown: string[] = [];
  let running = true;
  const done = (async () => {
    for (let index = 0; running; index += 1) {
      const key = `key-${index}`;
      try {
        await put(key, `value-${index}`);
        acknowledged.set(key, `value-${index}`);
      } catch (error) {
        if (!(error instanceof KvClientError)) throw error;
        unknown.push(`${key}: ${error.code}`);
      }
    }
  })();
  return {
    acknowledged,
    unknown,
    async stop() {
      running = false;
      await done;
    },
  };
}

describe('leader failure in a 3-node cluster', () => {
  it('elects a new leader within 3 election timeouts, keeps every acknowledged write, and the old leader catches up', async () => {
    cluster = await TestCluster.start({ size: 3 });
    const client = cluster.client({ timeoutMs: 10_000 });
    const writer = startWriter((key, value) => client.put(key, value));
    await eventually(async () => (writer.acknowledged.size >= 20 ? true : undefined), {
      timeoutMs: 20_000,
      what: '20 acknowledged writes',
    });

    const oldLeader = await cluster.waitForLeader(5000);
    const killedAt = Date.now();
    await cluster.kill(oldLeader.id);
    const newLeader = await cluster.waitForLeader(10_000, { aboveTerm: oldLeader.term });
    const electionMs = Date.now() - killedAt;
    console.log(
      `new leader ${newLeader.id} at term ${newLeader.term} ${electionMs} ms after SIGKILL of ${oldLeader.id}`,
    );

    const beforeKill = writer.acknowledged.size;
    await eventually(async () => (writer.acknowledged.size >= beforeKill + 20 ? true : undefined), {
      timeoutMs: 20_000,
      what: '20 more acknowledged writes after the failover',
    });
    await writer.stop();
    console.log(
      `${writer.acknowledged.size} writes acknowledged; not acknowledged: ${writer.unknown.join(', ') || 'none'}`,
    );

    expect(newLeader.id).not.toBe(oldLeader.id);
    expect(electionMs).toBeLessThan(3 * electionTimeoutMsDefault);
    for (const [key, value] of writer.acknowledged) {
      const got = await client.get(key);
      expect(got.found && text(got.keyValue.value), key).toBe(value);
    }

    cluster.restart(oldLeader.id);
    const commitIndex = (await cluster.status(newLeader.id)).commitIndex;
    await cluster.waitForApplied(oldLeader.id, commitIndex, 30_000);
    const restarted = cluster.client({
      endpoints: [cluster.clientAddress(oldLeader.id)],
      consistency: 'serializable',
    });
    const leaderView = await client.range({ prefix: 'key-', limit: 10_000 });
    const restartedView = await restarted.range({ prefix: 'key-', limit: 10_000 });
    expect(restartedView.keyValues).toEqual(leaderView.keyValues);
    expect(restartedView.revision).toBe(leaderView.revision);
  });

  it('with 2 of 3 nodes down, a write fails with a clear error within its timeout', async () => {
    cluster = await TestCluster.start({ size: 3 });
    const client = cluster.client({ timeoutMs: 3000 });
    await client.put('before', 'ok');
    const survivor = cluster.ids[0]!;
    await Promise.all(cluster.ids.filter((id) => id !== survivor).map((id) => cluster!.kill(id)));

    const startedAt = Date.now();
    const error = await client.put('after', 'lost?').then(
      () => null,
      (caught: unknown) => caught,
    );
    const elapsedMs = Date.now() - startedAt;

    console.log(
      `write with 2 of 3 down: ${(error as KvClientError).code} after ${elapsedMs} ms: ${(error as Error).message}`,
    );
    expect(error).toBeInstanceOf(KvClientError);
    expect(['outcome-unknown', 'unavailable']).toContain((error as KvClientError).code);
    expect((error as KvClientError).message.length).toBeGreaterThan(10);
    // The client gives up at its 3000 ms deadline; the margin covers one in-flight attempt.
    expect(elapsedMs).toBeLessThan(3000 + 1500);
  });
});
