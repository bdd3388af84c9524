// raftkv snapshot save/status in-process: a valid backup verifies; a truncated, damaged or missing
// file gets exit 4 or 2; save writes FILE only once the whole stream arrived and verified (a stream
// cut short or an error answer leaves neither FILE nor FILE.part), from a scripted HTTP server.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCommand, KvStateMachine, MemoryKvStore } from '@raftkv/kv';
import { nodeId } from '@raftkv/raft';
import { encodeSnapshotFile } from '@raftkv/storage/snapshot-file';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { raftkv } from './run-cli.js';

let directory: string;
const servers: Server[] = [];
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'raftkv-cli-snapshot-'));
});
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((closed) => server.close(closed));
  rmSync(directory, { recursive: true, force: true });
});

async function backupBytes(keys: number): Promise<Buffer> {
  const store = new MemoryKvStore();
  const machine = new KvStateMachine(store);
  const configuration = { members: [{ id: nodeId('n1'), role: 'voter' as const, address: 'n1' }] };
  machine.apply([{ index: 1, term: 1, kind: 'configuration', configuration }]);
  const encoder = new TextEncoder();
  for (let index = 2; index < keys + 2; index++) {
    const key = encoder.encode(`k${index}`);
    machine.apply([
      {
        index,
        term: 1,
        kind: 'command',
        data: encodeCommand({ operation: { type: 'put', key, value: key } }),
      },
    ]);
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of encodeSnapshotFile(store.openSnapshotView())) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** An HTTP server answering GET /snapshot with `bytes`; `cutAfter` destroys the socket after that many bytes. */
async function serve(bytes: Buffer, options: { status?: number; cutAfter?: number } = {}): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(options.status ?? 200, { 'content-type': 'application/octet-stream' });
    if (options.cutAfter === undefined) response.end(bytes);
    else response.write(bytes.subarray(0, options.cutAfter), () => response.destroy());
  });
  servers.push(server);
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('raftkv snapshot', () => {
  it('status verifies a backup and prints its revision, keys and checksum', async () => {
    const file = join(directory, 'b.snap');
    writeFileSync(file, await backupBytes(5));
    const run = await raftkv(['-o', 'json', 'snapshot', 'status', file]);
    expect([run.exitCode, run.stderr]).toEqual([0, '']);
    expect(JSON.parse(run.stdout)).toMatchObject({
      revision: 5,
      index: 6,
      term: 1,
      keyCount: 5,
      clusterId: null,
    });
    expect((await raftkv(['snapshot', 'status', file])).stdout).toMatch(
      /revision 5, index 6, term 1, 5 keys/,
    );
  });

  it('status refuses a truncated or damaged file with exit 4, and a missing one with exit 2', async () => {
    const bytes = await backupBytes(5);
    const truncated = join(directory, 't.snap');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 1));
    expect(await raftkv(['snapshot', 'status', truncated])).toMatchObject({ exitCode: 4 });
    const damaged = join(directory, 'd.snap');
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 40]! ^= 1;
    writeFileSync(damaged, flipped);
    const refused = await raftkv(['snapshot', 'status', damaged]);
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toContain('is refused (corrupt)');
    expect((await raftkv(['snapshot', 'status', join(directory, 'absent')])).exitCode).toBe(2);
  });

  it('save writes the file once the whole stream arrived and verified', async () => {
    const url = await serve(await backupBytes(7));
    const run = await raftkv(['snapshot', 'save', 'saved.snap', '--http', url], { cwd: directory });
    expect([run.exitCode, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/saved\.snap: ok\nrevision 7, index 8/);
    expect(readdirSync(directory)).toEqual(['saved.snap']);
  });

  it('save leaves nothing behind when the stream is cut short or the member refuses', async () => {
    const bytes = await backupBytes(7);
    const cut = await serve(bytes, { cutAfter: Math.floor(bytes.length / 2) });
    const short = await raftkv(['snapshot', 'save', 'cut.snap', '--http', cut], { cwd: directory });
    expect(short.exitCode).toBe(1);
    const refused = await serve(Buffer.from('{"error":"shutting down"}'), { status: 503 });
    const answer = await raftkv(['snapshot', 'save', 'refused.snap', '--http', refused], { cwd: directory });
    expect(answer.exitCode).toBe(1);
    expect(answer.stderr).toContain('answered 503');
    expect(readdirSync(directory)).toEqual([]);
    expect(existsSync(join(directory, 'cut.snap.part'))).toBe(false);
  });
});
