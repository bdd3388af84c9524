// requestJoin against a real single-node cluster, over both paths (HTTP POST /join and the client
// protocol): a new id is added as a learner; an id that is still a voter is refused with what to do,
// because a joining node starts from an empty log (thesis §3.8, §4.1).
import { nodeId } from '@raftkv/raft';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestJoin } from '../src/cluster-join.js';
import type { RaftProcess } from '../src/raft-process.js';
import { TestNodes, waitForLeader } from './support/nodes.js';

const nodes = new TestNodes();
let node: RaftProcess;

beforeAll(async () => {
  node = await nodes.start(['--id', 'n1', '--data-dir', nodes.directory(), '--bootstrap']);
  await waitForLeader([node]);
});
afterAll(async () => {
  await nodes.stopAll();
  expect(nodes.fatalErrors).toEqual([]);
});

const unreachable = { peer: 'tcp://127.0.0.1:1', client: 'tcp://127.0.0.1:2', http: 'http://127.0.0.1:3' };

describe('requestJoin', () => {
  for (const path of ['http', 'client'] as const) {
    it(`over ${path}: refuses the id of a voter, even at the voter's own address, and names the fix`, async () => {
      const via = path === 'http' ? node.advertised.http : node.advertised.client;
      const own = { peer: node.advertised.peer, client: node.advertised.client, http: node.advertised.http };

      const attempt = await requestJoin({
        id: nodeId('n1'),
        address: own,
        credential: null,
        via,
        timeoutMs: 5000,
      });

      expect(attempt.ok).toBe(false);
      expect(attempt.ok ? '' : attempt.message).toContain('n1 is already a member of the cluster as a voter');
      expect(attempt.ok ? '' : attempt.message).toContain('raftkv members remove n1');
      expect(node.status().configuration.members.map((member) => member.id)).toEqual(['n1']);
    });
  }

  it('over the client protocol: adds a new id as a learner, and a retry of it is accepted as already a member', async () => {
    const request = {
      id: nodeId('n9'),
      address: unreachable,
      credential: null,
      via: node.advertised.client,
      timeoutMs: 5000,
    };

    const first = await requestJoin(request);
    const retry = await requestJoin(request);

    expect(first.ok && [...first.members.keys()].sort()).toEqual(['n1', 'n9']);
    expect(first.ok && first.alreadyMember).toBe(false);
    expect(retry.ok && retry.alreadyMember).toBe(true);
    const n9 = node.status().configuration.members.find((member) => member.id === 'n9');
    expect(n9?.role).toBe('learner');
  });
});
