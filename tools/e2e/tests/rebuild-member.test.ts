// End-to-end rebuild of a member whose log is damaged (issue 12 §7), with real raftkvd processes and
// the raftkv CLI, as apps/node/README.md "Rebuilding a member" tells an operator: n3's write-ahead
// log is damaged, so it refuses to start and says what to do; it is removed through the cluster, its
// directory moved aside, and it is started again under its OLD id with an empty directory and
// --join. It comes back as a learner, is promoted, catches up, and serves every acknowledged write.

import { eventually, flipByteInWalSegment, killAllRaftkvd, moveAside } from '@raftkv/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { raftkvCli } from '../src/raftkv-cli.js';
import { TestCluster } from '../src/test-cluster.js';

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  await killAllRaftkvd();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
/** Writes in each phase: before the damage, while n3 is out, and after it is back. */
const writesPerPhase = 40;

describe('rebuilding a member', () => {
  it('a member refusing its damaged log is removed, rejoins under its old id with an empty directory, and serves every write', async () => {
    cluster = await TestCluster.start({ size: 3, snapshotThresholdEntries: 30 });
    const c = cluster;
    const failWithLogs = (error: Error): never => {
      throw new Error(`${error.message}\n${c.logTails()}`);
    };
    const acknowledged = new Map<string, string>();
    const writer = c.client({ timeoutMs: 10_000 });
    const write = async (phase: string, endpoints?: string[]) => {
      const client = endpoints === undefined ? writer : c.client({ timeoutMs: 10_000, endpoints });
      for (let index = 0; index < writesPerPhase; index += 1) {
        const key = `${phase}-${String(index).padStart(2, '0')}`;
        await client.put(key, `${phase}-value-${index}`);
        acknowledged.set(key, `${phase}-value-${index}`);
      }
    };

    await write('before');
    // n3 has the writes in its log: the damage below hits data it had acknowledged.
    const written = await c.status((await c.waitForLeader(5000)).id);
    await c.waitForApplied('n3', written.commitIndex, 10_000);
    expect(await c.kill('n3')).toBeNull();

    // Damage in the middle of the log is not a torn tail: n3 must refuse to start, and say what to do.
    const flipped = flipByteInWalSegment(c.dataDir('n3'));
    const refused = c.restart('n3');
    expect(await refused.waitForExit(30_000)).toBe(1);
    const refusal = refused.logTail(50);
    expect(refusal).toContain(`raftkvd: storage refused to open: ${flipped.file}: write-ahead log:`);
    expect(refusal).toContain('raftkv members remove n3');
    expect(refusal).toContain('apps/node/README.md "Rebuilding a member"');

    // Remove n3 through the cluster with the CLI, through a surviving member.
    const removal = await raftkvCli([
      ...c.cliKeyArgs(),
      ...['--endpoints', c.clientAddress('n1'), 'members', 'remove', 'n3'],
    ]);
    expect([removal.code, removal.stderr]).toEqual([0, '']);
    expect(removal.stdout).toMatch(/^removed n3 \(index \d+\)\n$/);
    const leaderId = (await c.waitForLeader(10_000)).id;
    await eventually(
      async () => {
        const status = await c.status(leaderId);
        return status.members.some((member) => member.id === 'n3') ? undefined : status;
      },
      { timeoutMs: 10_000, what: 'the leader to drop n3 from its configuration' },
    ).catch(failWithLogs);

    await write('while-out');

    // Set the damaged directory aside (kept for inspection), start n3 empty under its old id.
    const aside = moveAside(c.dataDir('n3'));
    expect(aside).toBe(`${c.dataDir('n3')}.damaged-1`);
    const follower = c.ids.find((id) => id !== 'n3' && id !== leaderId)!;
    c.rejoin('n3', c.httpUrl(follower));
    const leaderCommit = (await c.status(leaderId)).commitIndex;
    await eventually(
      async () => {
        const status = await c.status('n3');
        const self = status.members.find((member) => member.id === 'n3');
        return self?.role === 'voter' && status.appliedIndex >= leaderCommit ? status : undefined;
      },
      { timeoutMs: 30_000, what: 'n3 to be promoted to voter and catch up' },
    ).catch(failWithLogs);
    // It came back the way any new member does: as a learner first, promoted by the leader.
    const n3Log = c.processes.get('n3')!.logTail(2_000);
    expect(n3Log).toContain('n3 was accepted as a learner');
    expect(n3Log).toMatch(/n3 configuration is now: .*n3 learner/);
    // The leader compacted its log long before (threshold 30 entries): n3 caught up from a snapshot.
    expect(n3Log).toMatch(/n3 installed snapshot at index \d+ term \d+/);

    await write('after', [c.clientAddress('n3')]);
    const total = acknowledged.size;
    expect(total).toBe(3 * writesPerPhase);

    // Every acknowledged write is readable through n3: linearizable (ReadIndex through the leader)
    // and from n3's own state once it applied the last write.
    const throughN3 = c.client({ timeoutMs: 10_000, endpoints: [c.clientAddress('n3')] });
    const lastCommit = (await c.status((await c.waitForLeader(5000)).id)).commitIndex;
    await c.waitForApplied('n3', lastCommit, 10_000);
    const localN3 = c.client({
      timeoutMs: 10_000,
      endpoints: [c.clientAddress('n3')],
      consistency: 'serializable',
    });
    for (const client of [throughN3, localN3]) {
      const pairs = new Map<string, string>();
      for (const prefix of ['before-', 'while-out-', 'after-']) {
        for (const pair of (await client.range({ prefix })).keyValues)
          pairs.set(text(pair.key), text(pair.value));
      }
      expect(pairs).toEqual(acknowledged);
    }
    const members = (await c.status('n3')).members.map((member) => `${member.id} ${member.role}`).sort();
    expect(members).toEqual(['n1 voter', 'n2 voter', 'n3 voter']);
  });
});
