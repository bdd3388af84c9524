// End-to-end (issue 4 "Done when"): raftkvd with a bad flag prints a clear message and exits
// non-zero, without starting a node.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllRaftkvd, RaftkvdProcess } from '@raftkv/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'raftkv-e2e-flags-'));

afterAll(async () => {
  await killAllRaftkvd();
  rmSync(root, { recursive: true, force: true });
});

describe('raftkvd flags', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'a peer address that is not tcp://',
      ['--id', 'n1', '--bootstrap', '--peer-addr', 'foo'],
      /--peer-addr.*"foo".*tcp:\/\/host:port/,
    ],
    ['an unknown flag', ['--id', 'n1', '--bootstrap', '--frobnicate'], /unknown option '--frobnicate'/],
    [
      'a non-numeric election timeout',
      ['--id', 'n1', '--bootstrap', '--election-timeout-ms', 'soon'],
      /--election-timeout-ms/,
    ],
  ];
  for (const [index, [what, flags, message]] of cases.entries()) {
    it(`exits non-zero with a clear message on ${what}`, async () => {
      const logPath = join(root, `case-${index}.log`);
      const node = new RaftkvdProcess('bad', logPath, ['--data-dir', join(root, 'data'), ...flags]);

      const code = await node.waitForExit(30_000);

      expect(code).toBe(2); // raftkvd's usage-error exit code
      expect(node.logTail()).toMatch(message);
    });
  }
});
