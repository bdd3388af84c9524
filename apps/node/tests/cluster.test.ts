// Three in-process raftkvd nodes bootstrapped with --initial-cluster on OS-assigned free ports: any
// node serves the HTTP API (followers forward writes, or redirect them with ?redirect, and serve
// linearizable reads themselves, thesis §6.4.1), a new node joins through a follower as a learner and
// is promoted, and a stopping leader hands leadership over (thesis §3.10).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RaftProcess } from '../src/raft-process.js';
import { TestNodes, waitFor, waitForLeader } from './support/nodes.js';

const nodes = new TestNodes();

beforeAll(async () => {
  await nodes.startCluster(3);
});
afterAll(async () => {
  await nodes.stopAll();
  expect(nodes.fatalErrors).toEqual([]);
});

function followers(): RaftProcess[] {
  return [...nodes.running].filter((node) => node.status().role !== 'leader');
}

async function getJson(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

describe('a three-node raftkvd cluster', () => {
  it('accepts a write through a follower and serves it from another follower', async () => {
    const [first, second] = followers();
    const written = await getJson(`${first!.advertised.http}/key`, {
      method: 'POST',
      body: '{"x":"via-follower"}',
    });
    expect(written.status).toBe(200);
    expect(written.headers.get('x-raft-leader')).not.toBeNull();
    expect((await getJson(`${second!.advertised.http}/key/x`)).body).toEqual({ x: 'via-follower' });
  });

  it('answers a write with ?redirect on a follower with 307 to the leader and an X-Raft-Leader header', async () => {
    const leader = await waitForLeader([...nodes.running]);
    const follower = followers()[0]!;
    const response = await fetch(`${follower.advertised.http}/key?redirect`, {
      method: 'POST',
      body: '{"r":"1"}',
      redirect: 'manual',
    });
    expect(response.status).toBe(307);
    expect(response.headers.get('x-raft-leader')).toBe(leader.id);
    expect(response.headers.get('location')).toBe(`${leader.advertised.http}/key?redirect`);
  });

  it('serves a linearizable GET on each follower itself, with no redirect or forwarding', async () => {
    const leader = await waitForLeader([...nodes.running]);
    const written = await getJson(`${leader.advertised.http}/key`, {
      method: 'POST',
      body: '{"lin":"fresh"}',
    });
    expect(written.status).toBe(200);
    for (const follower of followers()) {
      const response = await getJson(`${follower.advertised.http}/key/lin?redirect`, { redirect: 'manual' });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ lin: 'fresh' });
      expect(response.headers.get('x-raft-leader')).toBeNull();
      expect(Number(response.headers.get('x-raftkv-index'))).toBeGreaterThanOrEqual(
        Number(written.headers.get('x-raftkv-index')),
      );
    }
  });

  it('?min_revision on a follower waits for the write just acknowledged (read-your-writes)', async () => {
    const leader = await waitForLeader([...nodes.running]);
    for (let round = 0; round < 5; round += 1) {
      const written = await getJson(`${leader.advertised.http}/key`, {
        method: 'POST',
        body: JSON.stringify({ ryw: `v${round}` }),
      });
      expect(written.status).toBe(200);
      const revision = written.headers.get('x-raftkv-revision');
      expect(revision).not.toBeNull();
      for (const follower of followers()) {
        const response = await getJson(
          `${follower.advertised.http}/key/ryw?consistency=serializable&min_revision=${revision}`,
        );
        expect(response.body).toEqual({ ryw: `v${round}` });
        expect(Number(response.headers.get('x-raftkv-revision'))).toBeGreaterThanOrEqual(Number(revision));
      }
    }
  });

  it('adds a node that joins through a follower, promotes it, and replicates the data to it', async () => {
    const via = followers()[0]!;
    const joiner = await nodes.start([
      '--id',
      'n4',
      '--data-dir',
      nodes.directory(),
      '--join',
      via.advertised.http,
    ]);
    await waitFor('n4 to be promoted to voter', () => {
      const member = joiner.status().configuration.members.find((candidate) => candidate.id === 'n4');
      return member?.role === 'voter' ? true : undefined;
    });
    const local = await waitFor('n4 to apply x', async () => {
      const answer = await getJson(`${joiner.advertised.http}/key/x?consistency=serializable`);
      return answer.status === 200 ? answer.body : undefined;
    });
    expect(local).toEqual({ x: 'via-follower' });
  });

  it('hands leadership to another voter when the leader stops', async () => {
    const leader = await waitForLeader([...nodes.running]);
    await nodes.stop(leader);
    const rest = [...nodes.running];
    // stop() returns once the old leader saw a successor lead: no election timeout had to pass.
    const immediately = rest.filter((node) => node.status().role === 'leader').map((node) => node.id);
    expect(immediately).toHaveLength(1);
    const successor = await waitForLeader(rest);
    expect(successor.id).toBe(immediately[0]);
    const written = await getJson(`${rest[0]!.advertised.http}/key`, {
      method: 'POST',
      body: '{"after":"handoff"}',
    });
    expect(written.status).toBe(200);
  });
});
