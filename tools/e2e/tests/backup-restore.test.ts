// End-to-end backup and restore (issue 13 §2) with real raftkvd processes and the raftkv CLI: a
// backup taken while a client keeps writing is restored into a NEW 3-node cluster, which serves every
// write acknowledged at or below the backup's revision with the same revision and takes new writes;
// a truncated or bit-flipped copy is refused by `raftkv snapshot status` and by `raftkvd --restore`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllRaftkvd, RaftkvdProcess } from '@raftkv/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { raftkvCli } from '../src/raftkv-cli.js';
import { TestCluster } from '../src/test-cluster.js';

const clusters: TestCluster[] = [];
const directories: string[] = [];
afterEach(async () => {
  for (const cluster of clusters.splice(0)) await cluster.stop();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  await killAllRaftkvd();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
/** Writes acknowledged before the backup starts, and the most written while it runs. */
const writesBefore = 150;
const writesDuringMax = 400;

describe('backup and restore', () => {
  it('a backup taken during writes restores into a new 3-node cluster with every acknowledged write at its revision', async () => {
    const source = await TestCluster.start({ size: 3 });
    clusters.push(source);
    const backups = mkdtempSync(join(tmpdir(), 'raftkv-e2e-backup-'));
    directories.push(backups);
    const backup = join(backups, 'backup.snap');
    const acknowledged: Array<{ key: string; value: string; revision: number }> = [];
    const writer = source.client({ timeoutMs: 10_000 });
    const write = async (index: number) => {
      const key = `key-${String(index).padStart(4, '0')}`;
      const value = `value-${index}`;
      const { revision } = await writer.put(key, value);
      acknowledged.push({ key, value, revision });
    };
    for (let index = 0; index < writesBefore; index += 1) await write(index);
    const revisionBeforeSave = acknowledged.at(-1)!.revision;

    // The backup runs while the writer keeps going: at most writesDuringMax more writes.
    let saving = true;
    const save = raftkvCli([
      ...source.cliKeyArgs(),
      '--endpoints',
      source.clientAddress('n1'),
      '-o',
      'json',
      'snapshot',
      'save',
      backup,
    ]).finally(() => {
      saving = false;
    });
    let during = 0;
    while (saving && during < writesDuringMax) await write(writesBefore + during++);
    const saved = await save;
    expect([saved.code, saved.stderr]).toEqual([0, '']);
    const header = JSON.parse(saved.stdout) as {
      revision: number;
      index: number;
      keyCount: number;
      sha256: string;
    };
    expect(header.revision).toBeGreaterThanOrEqual(revisionBeforeSave);
    const included = acknowledged.filter((write) => write.revision <= header.revision);
    expect(header.keyCount).toBe(included.length);
    console.log(
      `backup at revision ${header.revision} (index ${header.index}): ${included.length} keys; ${during} writes during the save`,
    );

    const status = await raftkvCli(['-o', 'json', 'snapshot', 'status', backup]);
    expect([status.code, status.stderr]).toEqual([0, '']);
    expect(JSON.parse(status.stdout)).toMatchObject({ revision: header.revision, sha256: header.sha256 });
    await source.stop();
    clusters.splice(0);

    // A NEW cluster: other ports, other directories, every member seeded from the same file.
    const restored = await TestCluster.start({ size: 3, restore: backup });
    clusters.push(restored);
    const leader = await restored.waitForLeader(10_000);
    for (const id of restored.ids)
      expect((await restored.status(id)).commitIndex).toBeGreaterThanOrEqual(header.index);
    expect(leader.members.map((member) => member.id).sort()).toEqual(['n1', 'n2', 'n3']);
    const reader = restored.client({ timeoutMs: 10_000 });
    for (const write of included) {
      const got = await reader.get(write.key);
      expect(got.found, write.key).toBe(true);
      if (!got.found) continue;
      expect(text(got.keyValue.value)).toBe(write.value);
      expect(got.keyValue.modRevision, write.key).toBe(write.revision);
    }
    const later = acknowledged.filter((write) => write.revision > header.revision);
    for (const write of later) expect((await reader.get(write.key)).found, write.key).toBe(false);
    const { revision } = await reader.put('after-restore', 'yes');
    expect(revision).toBe(header.revision + 1);

    // Damaged copies are refused, with exit code 4, by the CLI; raftkvd refuses to restore them.
    const bytes = readFileSync(backup);
    const truncated = join(restored.root, 'truncated.snap');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    const flipped = join(restored.root, 'flipped.snap');
    const damaged = Buffer.from(bytes);
    damaged[Math.floor(damaged.length / 2)]! ^= 0x10;
    writeFileSync(flipped, damaged);
    const refusedTruncated = await raftkvCli(['snapshot', 'status', truncated]);
    expect(refusedTruncated.code).toBe(4);
    expect(refusedTruncated.stderr).toContain('is refused (truncated)');
    const refusedFlipped = await raftkvCli(['snapshot', 'status', flipped]);
    expect(refusedFlipped.code).toBe(4);
    expect(refusedFlipped.stderr).toContain('is refused (corrupt)');
    const refusingNode = new RaftkvdProcess('n9', join(restored.root, 'n9.log'), [
      ...['--id', 'n9', '--data-dir', join(restored.root, 'n9'), '--bootstrap', '--restore', flipped],
      ...[
        '--peer-addr',
        'tcp://127.0.0.1:0',
        '--client-addr',
        'tcp://127.0.0.1:0',
        '--http-addr',
        'http://127.0.0.1:0',
      ],
    ]);
    expect(await refusingNode.waitForExit(30_000)).toBe(2);
    expect(refusingNode.logTail(20)).toContain('is refused (corrupt)');
  });
});
