// The harness pieces: distinct OS-assigned ports, bounded polling that names what it waited for,
// raftkvd processes registered by PID and killed by PID; damaging and moving a data directory.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  eventually,
  flipByteInWalSegment,
  freePorts,
  killAllRaftkvd,
  moveAside,
  RaftkvdProcess,
  runningRaftkvdCount,
} from '../src/index.js';

const directory = mkdtempSync(join(tmpdir(), 'raftkv-testkit-'));
afterAll(async () => {
  await killAllRaftkvd();
  rmSync(directory, { recursive: true, force: true });
});

describe('testkit', () => {
  it('freePorts hands out distinct non-zero ports', async () => {
    const ports = await freePorts(6);
    expect(new Set(ports).size).toBe(6);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });

  it('eventually returns the first defined value and names the condition on timeout', async () => {
    let calls = 0;
    await expect(
      eventually(async () => (++calls >= 3 ? calls : undefined), {
        timeoutMs: 2000,
        intervalMs: 1,
        what: 'three',
      }),
    ).resolves.toBe(3);
    await expect(
      eventually(async () => undefined, { timeoutMs: 30, intervalMs: 5, what: 'the impossible' }),
    ).rejects.toThrow(/timed out after 30 ms waiting for the impossible/);
  });

  it('a raftkvd with a bad flag exits 2, and killAllRaftkvd leaves none running', async () => {
    const bad = new RaftkvdProcess('bad', join(directory, 'bad.log'), ['--no-such-flag']);
    expect(await bad.waitForExit(20_000)).toBe(2);
    const node = new RaftkvdProcess('n1', join(directory, 'n1.log'), [
      ...['--id', 'n1', '--data-dir', join(directory, 'n1'), '--bootstrap'],
      ...[
        '--peer-addr',
        'tcp://127.0.0.1:0',
        '--client-addr',
        'tcp://127.0.0.1:0',
        '--http-addr',
        'http://127.0.0.1:0',
      ],
    ]);
    expect(node.alive).toBe(true);
    await killAllRaftkvd();
    expect(node.alive).toBe(false);
    expect(node.signal).toBe('SIGKILL');
    expect(runningRaftkvdCount()).toBe(0);
  });

  it('flipByteInWalSegment inverts the middle byte of the newest segment only; moveAside renames', () => {
    const dataDir = join(directory, 'damaged');
    mkdirSync(join(dataDir, 'wal'), { recursive: true });
    const older = join(dataDir, 'wal', '0000000000000001.wal');
    const newest = join(dataDir, 'wal', '0000000000000002.wal');
    writeFileSync(older, Buffer.from([1, 2, 3, 4, 5]));
    writeFileSync(newest, Buffer.from([1, 2, 3, 4, 5]));

    expect(flipByteInWalSegment(dataDir)).toEqual({ file: newest, offset: 2, bytes: 5 });
    expect([...readFileSync(newest)]).toEqual([1, 2, 3 ^ 0xff, 4, 5]);
    expect([...readFileSync(older)]).toEqual([1, 2, 3, 4, 5]);
    expect(() => flipByteInWalSegment(join(directory, 'no-such-dir'))).toThrow(/no write-ahead-log segment/);

    const first = moveAside(dataDir);
    mkdirSync(dataDir);
    const second = moveAside(dataDir);
    expect([first, second]).toEqual([`${dataDir}.damaged-1`, `${dataDir}.damaged-2`]);
    expect(existsSync(dataDir)).toBe(false);
    expect(readFileSync(join(first, 'wal', '0000000000000002.wal')).byteLength).toBe(5);
  });
});
