// End-to-end CURVE on a 3-node cluster of real raftkvd processes: the allow-listed client reads and
// writes; a client whose key is not allowed and a peer that is not a member are each refused and
// the refusal is logged (socket, key, remote address) by the node they tried.
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

/** The node's log lines (JSON) that record a refusal of `publicKey` on `socket`. */
function refusals(id: string, socket: 'peer' | 'client', publicKey: string): Array<Record<string, unknown>> {
  return readFileSync(cluster.processes.get(id)!.logPath, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.socket === socket && line.publicKey === publicKey);
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
});
