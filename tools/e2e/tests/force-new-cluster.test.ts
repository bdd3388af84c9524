// End-to-end disaster recovery (issue 13 §3) with real raftkvd processes: 5 members, 3 SIGKILLed with
// their data directories deleted, so the quorum is gone for good. One survivor restarts with
// --force-new-cluster and becomes a one-member cluster keeping its data; two members are added back
// with empty directories; every write the survivor had applied is served and the cluster takes writes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, killAllRaftkvd, RaftkvdProcess } from '@raftkv/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster } from '../src/test-cluster.js';

let cluster: TestCluster | undefined;
const directories: string[] = [];
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  await killAllRaftkvd();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const writesBefore = 120;
const writesAfter = 60;

describe('disaster recovery', () => {
  it('a survivor of a lost quorum forms a new cluster with --force-new-cluster, keeps its data, and takes members back', async () => {
    cluster = await TestCluster.start({ size: 5, snapshotThresholdEntries: 50 });
    const c = cluster;
    const failWithLogs = (error: Error): never => {
      throw new Error(`${error.message}\n${c.logTails()}`);
    };
    const acknowledged = new Map<string, string>();
    const writer = c.client({ timeoutMs: 10_000 });
    for (let index = 0; index < writesBefore; index += 1) {
      const key = `before-${String(index).padStart(3, '0')}`;
      await writer.put(key, `value-${index}`);
      acknowledged.set(key, `value-${index}`);
    }
    // The survivor applied every acknowledged write: that is what it must keep.
    const commit = (await c.status((await c.waitForLeader(5000)).id)).commitIndex;
    const survivorApplied = (await c.waitForApplied('n1', commit, 10_000)).appliedIndex;

    // Three members are destroyed: killed, their data gone. n2 is stopped too (it will not return
    // from its old data: a survivor left out of the new cluster must be rebuilt, never restarted).
    for (const id of ['n3', 'n4', 'n5']) {
      await c.kill(id);
      rmSync(c.dataDir(id), { recursive: true, force: true });
    }
    await c.kill('n2');
    await c.kill('n1');

    const survivor = c.restart('n1', ['--force-new-cluster']);
    const leader = await c.waitForLeader(20_000).catch(failWithLogs);
    expect(leader.id).toBe('n1');
    expect(leader.members.map((member) => member.id)).toEqual(['n1']);
    expect(leader.commitIndex).toBeGreaterThan(survivorApplied);
    expect(survivor.logTail(200)).toMatch(
      /n1 forced a new one-member cluster at index \d+, removing n2, n3, n4, n5/,
    );
    const throughN1 = c.client({ timeoutMs: 10_000, endpoints: [c.clientAddress('n1')] });
    const served = new Map<string, string>();
    for (const pair of (await throughN1.range({ prefix: 'before-' })).keyValues)
      served.set(text(pair.key), text(pair.value));
    expect(served).toEqual(acknowledged);

    // Two members come back under their old ids with empty directories, through the new cluster.
    for (const id of ['n4', 'n5']) c.rejoin(id, c.httpUrl('n1'));
    await eventually(
      async () => {
        const status = await c.status('n1');
        const voters = status.members.filter((member) => member.role === 'voter').map((member) => member.id);
        return voters.length === 3 ? voters : undefined;
      },
      { timeoutMs: 60_000, what: 'n4 and n5 to join and be promoted to voters' },
    ).catch(failWithLogs);

    for (let index = 0; index < writesAfter; index += 1) {
      const key = `after-${String(index).padStart(3, '0')}`;
      await throughN1.put(key, `value-${index}`);
      acknowledged.set(key, `value-${index}`);
    }
    const lastCommit = (await c.status('n1')).commitIndex;
    for (const id of ['n4', 'n5']) {
      await c.waitForApplied(id, lastCommit, 30_000).catch(failWithLogs);
      const local = c.client({
        timeoutMs: 10_000,
        endpoints: [c.clientAddress(id)],
        consistency: 'serializable',
      });
      const pairs = new Map<string, string>();
      for (const prefix of ['before-', 'after-'])
        for (const pair of (await local.range({ prefix })).keyValues)
          pairs.set(text(pair.key), text(pair.value));
      expect(pairs).toEqual(acknowledged);
    }
    const members = (await c.status('n1')).members.map((member) => `${member.id} ${member.role}`).sort();
    expect(members).toEqual(['n1 voter', 'n4 voter', 'n5 voter']);
  });

  it('refuses --force-new-cluster on a data directory that holds no member', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'raftkv-e2e-force-'));
    directories.push(directory);
    const refused = new RaftkvdProcess('empty', join(directory, 'empty.log'), [
      ...['--id', 'n1', '--data-dir', join(directory, 'n1'), '--force-new-cluster'],
    ]);
    expect(await refused.waitForExit(30_000)).toBe(2);
    expect(refused.logTail(20)).toContain('--force-new-cluster keeps a member');
  });
});
