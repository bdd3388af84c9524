// End-to-end on one 3-node cluster of real raftkvd processes: writes through a follower (client
// endpoint and HTTP) read back from another node, the tutorial's curl API with forwarding and
// ?redirect, a malformed client frame, and the raftkv CLI against every node (issue 4 §8).
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

  it('?redirect on a follower answers 307 to the leader’s HTTP address with X-Raft-Leader', async () => {
    const response = await fetch(`${cluster.httpUrl(followers[0]!)}/key/foo?redirect`, {
      headers: cluster.httpHeaders(),
      redirect: 'manual',
    });

    expect(response.status).toBe(307);
    expect(response.headers.get('x-raft-leader')).toBe(leaderId);
    expect(response.headers.get('location')).toMatch(new RegExp(`^${cluster.httpUrl(leaderId)}/key/foo`));
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
