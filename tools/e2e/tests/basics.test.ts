// End-to-end on one 3-node cluster of real raftkvd processes: writes through a follower (client
// endpoint and HTTP) read back from another node, the tutorial's curl API with forwarding and
// ?redirect of writes, a malformed client frame, and the raftkv CLI against every node (issue 4 §8), which
// reads at each follower without a redirect and with --min-revision (thesis §6.4.1, issue 14).
import { decodeClientResponse } from '@raftkv/protocol';
import { killAllRaftkvd } from '@raftkv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { raftkvCli } from '../src/raftkv-cli.js';
import { TestCluster } from '../src/test-cluster.js';

let cluster: TestCluster;
let leaderId: string;
let followers: string[];

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 3 });
  leaderId = (await cluster.waitForLeader(10_000)).id;
  followers = cluster.ids.filter((id) => id !== leaderId);
});

afterAll(async () => {
  await cluster?.stop();
  await killAllRaftkvd();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('3 real nodes', () => {
  it('a put through a follower’s client endpoint is read from another node', async () => {
    const [writeVia, readVia] = followers as [string, string];
    const writer = cluster.client({ endpoints: [cluster.clientAddress(writeVia)] });
    const reader = cluster.client({ endpoints: [cluster.clientAddress(readVia)] });

    await writer.put('scenario-1', 'through a follower');
    const got = await reader.get('scenario-1');

    expect(got.found && text(got.keyValue.value)).toBe('through a follower');
  });

  it('a put through a follower’s HTTP API is read over HTTP from another node', async () => {
    const [writeVia, readVia] = followers as [string, string];

    const put = await fetch(`${cluster.httpUrl(writeVia)}/key`, {
      method: 'POST',
      headers: cluster.httpHeaders(),
      body: '{"scenario-1-http":"yes"}',
    });
    const got = await fetch(`${cluster.httpUrl(readVia)}/key/scenario-1-http`, {
      headers: cluster.httpHeaders(),
    });

    expect(put.status).toBe(200);
    expect([got.status, await got.json()]).toEqual([200, { 'scenario-1-http': 'yes' }]);
  });
});

describe('the tutorial’s curl commands (node fetch)', () => {
  it('POST /key, GET /key/foo, DELETE /key/foo, then GET is 404 — each on a follower', async () => {
    const [first, second] = followers as [string, string];

    const headers = cluster.httpHeaders();
    const posted = await fetch(`${cluster.httpUrl(first)}/key`, {
      method: 'POST',
      headers,
      body: '{"foo":"bar"}',
    });
    const got = await fetch(`${cluster.httpUrl(second)}/key/foo`, { headers });
    const deleted = await fetch(`${cluster.httpUrl(first)}/key/foo`, { method: 'DELETE', headers });
    const gone = await fetch(`${cluster.httpUrl(second)}/key/foo`, { headers });

    expect(posted.status).toBe(200);
    expect([got.status, await got.json()]).toEqual([200, { foo: 'bar' }]);
    expect(deleted.status).toBe(200);
    expect(gone.status).toBe(404);
  });

  it('several keys in one POST are one atomic write (one revision)', async () => {
    const posted = await fetch(`${cluster.httpUrl(leaderId)}/key`, {
      method: 'POST',
      headers: cluster.httpHeaders(),
      body: '{"x1":"1","x2":"2"}',
    });
    const pairs = await cluster.client().range({ prefix: 'x' });

    expect(posted.status).toBe(200);
    expect(pairs.keyValues.map((pair) => [text(pair.key), text(pair.value)])).toEqual([
      ['x1', '1'],
      ['x2', '2'],
    ]);
    expect(pairs.keyValues[1]?.modRevision).toBe(pairs.keyValues[0]?.modRevision);
  });

  it('?redirect on a follower answers a write 307 to the leader’s HTTP address with X-Raft-Leader', async () => {
    const response = await fetch(`${cluster.httpUrl(followers[0]!)}/key?redirect`, {
      method: 'POST',
      body: '{"redirected":"1"}',
      headers: cluster.httpHeaders(),
      redirect: 'manual',
    });

    expect(response.status).toBe(307);
    expect(response.headers.get('x-raft-leader')).toBe(leaderId);
    expect(response.headers.get('location')).toMatch(new RegExp(`^${cluster.httpUrl(leaderId)}/key`));
  });

  it('a GET with ?redirect on a follower is served by the follower itself (thesis §6.4.1)', async () => {
    const headers = cluster.httpHeaders();
    await fetch(`${cluster.httpUrl(leaderId)}/key`, { method: 'POST', body: '{"served":"here"}', headers });
    const response = await fetch(`${cluster.httpUrl(followers[0]!)}/key/served?redirect`, {
      headers,
      redirect: 'manual',
    });

    expect([response.status, await response.json()]).toEqual([200, { served: 'here' }]);
    expect(response.headers.get('x-raft-leader')).toBeNull();
  });
});

describe('bad input', () => {
  it('a malformed client frame gets a typed error reply and the node keeps serving', async () => {
    const node = followers[0]!;
    const dealer = new Dealer({
      linger: 0,
      receiveTimeout: 5000,
      curveServerKey: cluster.publicKey(node),
      curvePublicKey: cluster.clientKeyPair.publicKey,
      curveSecretKey: cluster.clientKeyPair.secretKey,
    });
    dealer.connect(cluster.clientAddress(node));
    try {
      await dealer.send(Buffer.from([0xc1, 0xff, 0x00, 0x13])); // 0xc1 is never valid MessagePack
      const [reply] = await dealer.receive();
      const decoded = decodeClientResponse(reply!);

      expect(decoded.ok && decoded.response).toMatchObject({
        ok: false,
        requestId: null,
        error: { code: 'bad-request' },
      });
    } finally {
      dealer.close();
    }
    const status = await cluster.client({ endpoints: [cluster.clientAddress(node)] }).status();
    expect(status.id).toBe(node);
  });
});

describe('the raftkv CLI', () => {
  const raftkv = (args: string[]) => raftkvCli([...cluster.cliKeyArgs(), ...args]);

  it('`raftkv put a 1` then `raftkv get a` prints 1, whichever node --endpoints names', async () => {
    const put = await raftkv(['--endpoints', cluster.clientAddress(followers[0]!), 'put', 'a', '1']);
    expect([put.code, put.stdout, put.stderr]).toEqual([0, 'OK\n', '']);

    const gets = await Promise.all(
      cluster.ids.map((id) => raftkv(['--endpoints', cluster.clientAddress(id), 'get', 'a'])),
    );

    expect(gets.map((get) => [get.code, get.stdout])).toEqual(cluster.ids.map(() => [0, '1\n']));
  });
});

describe('linearizable reads at every member (thesis §6.4.1)', () => {
  const raftkv = (args: string[]) => raftkvCli([...cluster.cliKeyArgs(), ...args]);

  it('`raftkv --verbose get` on each follower is answered by that follower, with no redirect', async () => {
    await cluster.client().put('at-follower', 'fresh');

    const gets = await Promise.all(
      followers.map((id) =>
        raftkv(['--verbose', '--endpoints', cluster.clientAddress(id), 'get', 'at-follower']),
      ),
    );

    expect(gets.map((get) => [get.code, get.stdout, get.stderr])).toEqual(
      followers.map(() => [0, 'fresh\n', '']),
    );
  });

  it('`get --min-revision R` on each follower sees the write just acknowledged at revision R', async () => {
    const writer = cluster.client({ endpoints: [cluster.clientAddress(leaderId)] });
    for (let round = 1; round <= 3; round += 1) {
      const { revision } = await writer.put('ryw', `v${round}`);
      const gets = await Promise.all(
        followers.map((id) =>
          raftkv([
            '-o',
            'json',
            '--consistency',
            'serializable',
            '--endpoints',
            cluster.clientAddress(id),
            'get',
            '--min-revision',
            String(revision),
            'ryw',
          ]),
        ),
      );
      for (const get of gets) {
        expect([get.code, get.stderr]).toEqual([0, '']);
        const answer = JSON.parse(get.stdout) as { value: string; revision: number };
        expect(answer.value).toBe(`v${round}`);
        expect(answer.revision).toBeGreaterThanOrEqual(revision);
      }
    }
  });
});
