// Three in-process raftkvd nodes with CURVE keys (--key-file, --client-keys-file, keys in
// --initial-cluster), HTTP tokens and a join credential: members replicate, a joiner's key arrives with
// its join, an allow-listed client and a caller with the token are served, and a client or peer with an
// unknown key, an HTTP call without the token and a join without the credential are refused and logged.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeId } from '@raftkv/raft';
import { ClientSocket, type CurveKeyPair, generateCurveKeyPair, PeerTransport } from '@raftkv/transport-zmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RaftProcess } from '../src/raft-process.js';
import { TestNodes, waitFor, waitForLeader } from './support/nodes.js';

const nodes = new TestNodes();
const client = generateCurveKeyPair();
let members: RaftProcess[];
let directory: string;
const keys = new Map<string, CurveKeyPair>();

const httpToken = 'http-token-for-the-test-0123';
const joinToken = 'join-token-for-the-test-0123';

function keyFiles(id: string): string[] {
  const pair = generateCurveKeyPair();
  keys.set(id, pair);
  const keyFile = join(directory, `${id}.key.json`);
  writeFileSync(keyFile, JSON.stringify(pair));
  return [
    ...['--key-file', keyFile, '--client-keys-file', join(directory, 'clients.keys')],
    ...[
      '--http-tokens-file',
      join(directory, 'http.tokens'),
      '--join-token-file',
      join(directory, 'join.token'),
    ],
  ];
}

function logOf(id: string): string {
  return join(directory, `${id}.log`);
}

function logLines(id: string): Array<Record<string, unknown>> {
  return readFileSync(logOf(id), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  directory = nodes.directory();
  writeFileSync(join(directory, 'clients.keys'), `# the test client\n${client.publicKey}\n`);
  writeFileSync(join(directory, 'http.tokens'), `${httpToken} the test\n`);
  writeFileSync(join(directory, 'join.token'), `${joinToken}\n`);
  members = await nodes.startCluster(3, (id) => {
    const argv = keyFiles(id);
    return { argv, key: keys.get(id)!.publicKey, logFile: logOf(id) };
  });
});
afterAll(async () => {
  await nodes.stopAll();
  expect(nodes.fatalErrors).toEqual([]);
});

async function status(socket: ClientSocket): Promise<boolean> {
  const exchange = await socket.request({ kind: 'status' }, { timeoutMs: 1_000 });
  return exchange.ok;
}

describe('a secure three-node raftkvd cluster', () => {
  it('elects a leader and serves an allow-listed client over CURVE', async () => {
    const node = members[0]!;
    const socket = new ClientSocket(node.advertised.client, {
      serverKey: keys.get(node.id)!.publicKey,
      keyPair: client,
    });
    try {
      await waitFor('an answer to the allowed client', async () =>
        (await status(socket)) ? true : undefined,
      );
    } finally {
      socket.close();
    }
  });

  it('serves another member calling as a client with its own key (not on the allow-list)', async () => {
    const [caller, callee] = [members[0]!, members[1]!];
    const socket = new ClientSocket(callee.advertised.client, {
      serverKey: keys.get(callee.id)!.publicKey,
      keyPair: keys.get(caller.id)!,
    });
    try {
      await waitFor('an answer to the member', async () => ((await status(socket)) ? true : undefined));
    } finally {
      socket.close();
    }
  });

  it('refuses and logs a client whose key is not on the allow-list', async () => {
    const node = members[1]!;
    const stranger = generateCurveKeyPair();
    const socket = new ClientSocket(node.advertised.client, {
      serverKey: keys.get(node.id)!.publicKey,
      keyPair: stranger,
    });
    try {
      expect(await status(socket)).toBe(false);
    } finally {
      socket.close();
    }
    const refusal = await waitFor('the refusal in the log', () =>
      logLines(node.id).find((line) => line.socket === 'client' && line.publicKey === stranger.publicKey),
    );
    expect(refusal).toMatchObject({ level: 40, remoteAddress: '127.0.0.1' });
    expect(String(refusal.msg)).toContain('not on the client allow-list');
  });

  it('refuses and logs a peer that is not a member', async () => {
    const target = members[2]!;
    const intruderKeys = generateCurveKeyPair();
    const intruder = await PeerTransport.bind({
      id: nodeId('n9'),
      bindAddress: 'tcp://127.0.0.1:*',
      onMessages: () => {},
      security: { keyPair: intruderKeys },
    });
    try {
      const peerAddress = (
        JSON.parse(
          target.status().configuration.members.find((member) => member.id === target.id)!.address,
        ) as { peer: string }
      ).peer;
      intruder.setPeers(
        new Map([[target.id, { address: peerAddress, publicKey: keys.get(target.id)!.publicKey }]]),
      );
      const refusal = await waitFor('the peer refusal in the log', () => {
        intruder.send([
          {
            type: 'RequestVote',
            term: 1_000,
            from: nodeId('n9'),
            to: target.id,
            lastLogIndex: 0,
            lastLogTerm: 0,
            preVote: false,
            leadershipTransfer: false,
          },
        ]);
        return logLines(target.id).find(
          (line) => line.socket === 'peer' && line.publicKey === intruderKeys.publicKey,
        );
      });
      expect(String(refusal.msg)).toContain('is not a member');
      expect(target.status().term).toBeLessThan(1_000);
    } finally {
      intruder.close();
    }
  });

  it('serves HTTP calls with the token, through a follower too, and refuses and logs one without', async () => {
    const leader = await waitForLeader(members);
    const follower = members.find((member) => member !== leader)!;
    const authorization = { authorization: `Bearer ${httpToken}` };
    const put = await fetch(`${follower.advertised.http}/key`, {
      method: 'POST',
      headers: authorization,
      body: '{"http-secure":"yes"}',
    });
    expect(put.status).toBe(200);
    const got = await fetch(`${follower.advertised.http}/key/http-secure`, { headers: authorization });
    expect(await got.json()).toEqual({ 'http-secure': 'yes' });
    const health = await fetch(`${follower.advertised.http}/health`);
    expect(health.status).toBe(200);

    const anonymous = await fetch(`${follower.advertised.http}/key/http-secure`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'unauthorized' });
    const forged = await fetch(`${follower.advertised.http}/key`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-the-token-0123456789' },
      body: '{"http-secure":"no"}',
    });
    expect(forged.status).toBe(401);
    const refusal = await waitFor('the HTTP refusals in the log', () => {
      const lines = logLines(follower.id).filter((line) => line.socket === 'http');
      return lines.length >= 2 ? lines : undefined;
    });
    expect(refusal.map((line) => line.reason)).toEqual(['no-token', 'unknown-token']);
    expect(refusal[0]).toMatchObject({ level: 40, path: '/key/http-secure', remoteAddress: '127.0.0.1' });
    const after = await fetch(`${leader.advertised.http}/key/http-secure`, { headers: authorization });
    expect(await after.json()).toEqual({ 'http-secure': 'yes' });
  });

  it('refuses and logs a join without the join credential, or with an API token in its place', async () => {
    const via = members[1]!;
    const body = JSON.stringify({
      id: 'n8',
      addr: 'tcp://127.0.0.1:1',
      key: generateCurveKeyPair().publicKey,
    });
    const bare = await fetch(`${via.advertised.http}/join`, { method: 'POST', body });
    expect(bare.status).toBe(401);
    const withApiToken = await fetch(`${via.advertised.http}/join`, {
      method: 'POST',
      headers: { authorization: `Bearer ${httpToken}` },
      body,
    });
    expect(withApiToken.status).toBe(401);
    const refusals = await waitFor('the join refusals in the log', () => {
      const lines = logLines(via.id).filter((line) => line.socket === 'http' && line.path === '/join');
      return lines.length >= 2 ? lines : undefined;
    });
    expect(String(refusals[0]!.msg)).toContain('needs the join credential');
    expect(via.status().configuration.members.map((member) => member.id)).not.toContain('n8');
  });

  it('adds a joiner whose key arrives with its join, and reloads the client allow-list on request', async () => {
    const via = members[0]!;
    const joiner = await nodes.start(
      ['--id', 'n4', '--data-dir', nodes.directory(), '--join', via.advertised.http, ...keyFiles('n4')],
      { logFile: logOf('n4') },
    );
    await waitFor('n4 to be promoted to voter', () => {
      const member = joiner.status().configuration.members.find((candidate) => candidate.id === 'n4');
      return member?.role === 'voter' ? true : undefined;
    });
    const stored = via.status().configuration.members.find((member) => member.id === 'n4')!;
    expect(JSON.parse(stored.address)).toMatchObject({ key: keys.get('n4')!.publicKey });
    const newcomer = generateCurveKeyPair();
    joiner.setAllowedClientKeys([newcomer.publicKey]);
    const socket = new ClientSocket(joiner.advertised.client, {
      serverKey: keys.get('n4')!.publicKey,
      keyPair: newcomer,
    });
    try {
      await waitFor('an answer to the newly allowed client', async () =>
        (await status(socket)) ? true : undefined,
      );
    } finally {
      socket.close();
    }
  });
});
