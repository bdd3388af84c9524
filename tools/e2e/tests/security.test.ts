// End-to-end security on a 3-node cluster of real raftkvd processes (CURVE, HTTP tokens, the join
// credential): the allow-listed client and a caller with the token read and write; a client whose key
// is not allowed, a peer that is not a member, an HTTP call without the token and a join without the
// credential are each refused and the refusal is logged (socket, key or path, remote address).
import { readFileSync } from 'node:fs';
import { generateCurveKeyPair } from '@raftkv/client';
import { eventually, killAllRaftkvd } from '@raftkv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { TestCluster } from '../src/test-cluster.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 3 });
  await cluster.waitForLeader(10_000);
});

afterAll(async () => {
  await cluster?.stop();
  await killAllRaftkvd();
});

function logLines(id: string): Array<Record<string, unknown>> {
  return readFileSync(cluster.processes.get(id)!.logPath, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The node's log lines (JSON) that record a refusal of `publicKey` on `socket`. */
function refusals(id: string, socket: 'peer' | 'client', publicKey: string): Array<Record<string, unknown>> {
  return logLines(id).filter((line) => line.socket === socket && line.publicKey === publicKey);
}

/** The node's log lines that record a refused HTTP call to `path`. */
function httpRefusals(id: string, path: string): Array<Record<string, unknown>> {
  return logLines(id).filter((line) => line.socket === 'http' && line.path === path);
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('3 real nodes with CURVE', () => {
  it('serves the allow-listed client', async () => {
    const client = cluster.client();
    await client.put('secure-1', 'encrypted');
    const got = await client.get('secure-1');
    expect(got.found && text(got.keyValue.value)).toBe('encrypted');
  });

  it('refuses a client whose key is not on the allow-list, and logs it', async () => {
    const [id] = cluster.ids as [string];
    const stranger = generateCurveKeyPair();
    const client = cluster.client({
      endpoints: [cluster.clientAddress(id)],
      timeoutMs: 2_000,
      security: {
        keyPair: stranger,
        serverKeys: new Map([[cluster.clientAddress(id), cluster.publicKey(id)]]),
      },
    });
    await expect(client.put('secure-2', 'never')).rejects.toThrow();
    const [line] = await eventually(
      async () => {
        const found = refusals(id, 'client', stranger.publicKey);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'the client refusal in the log' },
    );
    expect(line).toMatchObject({ remoteAddress: '127.0.0.1' });
    expect(String(line!.msg)).toContain('not on the client allow-list');
    expect((await cluster.client().get('secure-2')).found).toBe(false);
  });

  it('refuses a plaintext client, and logs the failed handshake', async () => {
    const id = cluster.ids[2]!;
    const client = cluster.client({
      endpoints: [cluster.clientAddress(id)],
      timeoutMs: 2_000,
      security: undefined,
    });
    await expect(client.put('secure-plain', 'never')).rejects.toThrow();
    const [line] = await eventually(
      async () => {
        const found = logLines(id).filter(
          (entry) => entry.socket === 'client' && entry.reason === 'handshake-failed',
        );
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'the failed handshake in the log' },
    );
    // ZeroMQ names the mechanism mismatch, or, when the plaintext client hung up on the CURVE greeting
    // before its own was read, the socket error.
    expect(line).toMatchObject({ level: 40, reason: 'handshake-failed' });
    expect(String(line!.detail)).toMatch(/^(ERR_ZMTP_MECHANISM_MISMATCH|E[A-Z]+)$/);
    expect((await cluster.client().get('secure-plain')).found).toBe(false);
  });

  it('refuses a peer that is not a member, and logs it', async () => {
    const id = cluster.ids[1]!;
    const intruder = generateCurveKeyPair();
    const dealer = new Dealer({
      routingId: 'n9',
      linger: 0,
      curveServerKey: cluster.publicKey(id),
      curvePublicKey: intruder.publicKey,
      curveSecretKey: intruder.secretKey,
    });
    try {
      dealer.connect(cluster.addresses.get(id)!.peer);
      const [line] = await eventually(
        async () => {
          const found = refusals(id, 'peer', intruder.publicKey);
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 50, what: 'the peer refusal in the log' },
      );
      expect(String(line!.msg)).toContain('is not a member');
    } finally {
      dealer.close();
    }
  });

  it('serves HTTP calls with the token and refuses and logs one without it', async () => {
    const id = cluster.ids[2]!;
    const http = cluster.httpUrl(id);
    const put = await fetch(`${http}/key`, {
      method: 'POST',
      headers: cluster.httpHeaders(),
      body: '{"secure-http":"with token"}',
    });
    expect(put.status).toBe(200);

    const anonymous = await fetch(`${http}/key/secure-http`);
    const anonymousWrite = await fetch(`${http}/key`, {
      method: 'POST',
      body: '{"secure-http":"overwritten"}',
    });
    expect([anonymous.status, anonymousWrite.status]).toEqual([401, 401]);
    expect(await anonymous.json()).toMatchObject({ code: 'unauthorized' });
    const lines = await eventually(
      async () => {
        const found = httpRefusals(id, '/key/secure-http');
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'the HTTP refusal in the log' },
    );
    expect(lines[0]).toMatchObject({ level: 40, reason: 'no-token', remoteAddress: '127.0.0.1' });
    const got = await fetch(`${http}/key/secure-http`, { headers: cluster.httpHeaders() });
    expect(await got.json()).toEqual({ 'secure-http': 'with token' });
  });

  it('refuses and logs a POST /join without the join credential, and adds nobody', async () => {
    const id = cluster.ids[0]!;
    const body = JSON.stringify({
      id: 'n9',
      addr: 'tcp://127.0.0.1:1',
      key: generateCurveKeyPair().publicKey,
    });
    const bare = await fetch(`${cluster.httpUrl(id)}/join`, { method: 'POST', body });
    const withApiToken = await fetch(`${cluster.httpUrl(id)}/join`, {
      method: 'POST',
      headers: cluster.httpHeaders(),
      body,
    });
    expect([bare.status, withApiToken.status]).toEqual([401, 401]);
    const lines = await eventually(
      async () => {
        const found = httpRefusals(id, '/join');
        return found.length >= 2 ? found : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'the join refusals in the log' },
    );
    expect(lines.map((line) => line.reason)).toEqual(['no-token', 'unknown-token']);
    expect(String(lines[0]!.msg)).toContain('needs the join credential');
    expect((await cluster.status(id)).members.map((member) => member.id)).toEqual(['n1', 'n2', 'n3']);
  });
});
