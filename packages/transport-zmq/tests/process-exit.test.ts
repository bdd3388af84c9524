// close() leaves no open handles: a child process that used every socket kind exits by itself.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/exchange-then-close.ts', import.meta.url));

describe('closing every socket', () => {
  it('lets the process exit on its own (no open handles left behind)', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@raftkv/source', fixture], {
      encoding: 'utf8',
      timeout: 25_000,
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    expect(child.error, 'the child did not exit before the deadline').toBeUndefined();
    expect(child.stderr).not.toMatch(/Error/);
    expect(child.stdout).toMatch(/peer frames received: [1-9]\d*; client exchange ok: true/);
    expect(child.status).toBe(0);
  });
});
