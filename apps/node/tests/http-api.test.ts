// The HTTP API of one in-process, single-node raftkvd: the tutorial's curl commands, errors for bad
// input (400 with a JSON error, and the node keeps serving), status, health and metrics.

import { verifySnapshotFile } from '@raftkv/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpBodyBytesMax } from '../src/http-server.js';
import type { RaftProcess } from '../src/raft-process.js';
import { TestNodes, waitForLeader } from './support/nodes.js';
import { rawGet } from './support/raw-http.js';

const nodes = new TestNodes();
let node: RaftProcess;
let base: string;

beforeAll(async () => {
  node = await nodes.start(['--id', 'n1', '--data-dir', nodes.directory(), '--bootstrap']);
  base = node.advertised.http;
  await waitForLeader([node]);
});
afterAll(async () => {
  await nodes.stopAll();
  expect(nodes.fatalErrors).toEqual([]);
});

async function call(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const post = (path: string, body: string) => call(path, { method: 'POST', body });

describe('HTTP key API', () => {
  it('puts, gets and deletes a key like the tutorial', async () => {
    expect((await post('/key', '{"foo":"bar"}')).status).toBe(200);
    expect(await call('/key/foo')).toEqual({ status: 200, body: { foo: 'bar' } });
    expect((await call('/key/foo', { method: 'DELETE' })).body).toMatchObject({ deleted: true });
    expect(await call('/key/foo')).toEqual({ status: 404, body: { error: 'key "foo" not found' } });
  });

  it('?min_revision serves once the revision is applied; a malformed one is a 400', async () => {
    const written = await fetch(`${base}/key`, { method: 'POST', body: '{"mr":"1"}' });
    const revision = written.headers.get('x-raftkv-revision');
    expect(revision).not.toBeNull();
    expect(await call(`/key/mr?min_revision=${revision}`)).toEqual({ status: 200, body: { mr: '1' } });
    for (const bad of ['-1', '1.5', 'x', '', '99999999999999999']) {
      const answer = await call(`/key/mr?min_revision=${encodeURIComponent(bad)}`);
      expect(answer.status, bad).toBe(400);
      expect(String(answer.body.error)).toContain('min_revision');
    }
  });

  it('writes several keys as one atomic transaction at one log index', async () => {
    const written = await post('/key', '{"a":"1","b":"2","c":"3"}');
    expect(written.status).toBe(200);
    const index = written.body.index;
    for (const [key, value] of [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ] as const) {
      const response = await fetch(`${base}/key/${key}`);
      expect(await response.json()).toEqual({ [key]: value });
      expect(Number(response.headers.get('x-raftkv-index'))).toBeGreaterThanOrEqual(Number(index));
    }
  });

  it('serves keys with slashes and unicode through percent-encoding', async () => {
    expect((await post('/key', '{"dir/ключ":"значение"}')).status).toBe(200);
    expect((await call(`/key/${encodeURIComponent('dir/ключ')}`)).body).toEqual({ 'dir/ключ': 'значение' });
  });

  it('answers a serializable read from local state', async () => {
    await post('/key', '{"local":"yes"}');
    expect((await call('/key/local?consistency=serializable')).body).toEqual({ local: 'yes' });
  });

  it('rejects bad JSON, non-object bodies, non-string values and empty writes with 400', async () => {
    expect(await post('/key', '{nope')).toMatchObject({ status: 400, body: { error: /not valid JSON/ } });
    expect(await post('/key', '["a"]')).toMatchObject({
      status: 400,
      body: { error: 'the body must be a JSON object' },
    });
    expect(await post('/key', '{"a":1}')).toMatchObject({
      status: 400,
      body: { error: /must be a JSON string/ },
    });
    expect(await post('/key', '{}')).toMatchObject({ status: 400, body: { error: /names no keys/ } });
  });

  it('rejects keys that are too long, empty or badly encoded with 400', async () => {
    const longKey = 'k'.repeat(600);
    expect(await post('/key', JSON.stringify({ [longKey]: 'v' }))).toMatchObject({
      status: 400,
      body: { error: /the key is 600 bytes, more than the 510 allowed/ },
    });
    expect(await call('/key/')).toMatchObject({ status: 405 });
    expect(await call('/key/%E0%A4%A')).toMatchObject({ status: 400, body: { error: /percent-encoding/ } });
  });

  it('refuses lone surrogates and bytes that are not UTF-8 instead of storing U+FFFD', async () => {
    // Both keys would otherwise become "\ufffdx": two different keys in one body, one stored key.
    const body = '{"\\ud800x":"a","\\udfffx":"b"}';
    expect(await post('/key', body)).toMatchObject({ status: 400, body: { error: /lone UTF-16 surrogate/ } });
    expect(await post('/key', '{"ok":"\\udc00"}')).toMatchObject({
      status: 400,
      body: { error: /the value of "ok" holds a lone UTF-16 surrogate/ },
    });
    const notUtf8 = Buffer.concat([Buffer.from('{"k'), Buffer.from([0xff]), Buffer.from('":"v"}')]);
    expect(await call('/key', { method: 'POST', body: notUtf8 })).toMatchObject({
      status: 400,
      body: { error: 'the body is not valid UTF-8' },
    });
    expect(await call('/key/%ED%A0%80x')).toMatchObject({ status: 400, body: { error: /percent-encoding/ } });
    expect((await call('/key/\ufffdx')).status).toBe(404);
    // A surrogate pair is valid Unicode and is stored as its one code point.
    expect((await post('/key', '{"\\ud83d\\ude00":"smile"}')).status).toBe(200);
    expect((await call(`/key/${encodeURIComponent('\u{1f600}')}`)).body).toEqual({ '\u{1f600}': 'smile' });
  });

  it('answers request targets that are not plain paths without failing, and keeps serving', async () => {
    // Found by fuzzing: new URL('//k%3E*GJ~-k', base) reads a host and throws, and it threw inside
    // the request's end handler, which stopped the whole process.
    const raw = (target: string) => rawGet(base, target);
    expect(await raw('//k%3E*GJ~-k')).toBe(404);
    expect(await raw('//key/x')).toBe(404);
    expect(await raw('http://[bad/key/x')).toBe(400);
    expect(await raw('*')).toBe(400);
    expect((await call('/health')).status).toBe(200);
  });

  it('refuses an oversized body with 400 and keeps serving', async () => {
    const huge = JSON.stringify({ big: 'x'.repeat(httpBodyBytesMax + 10) });
    expect(await post('/key', huge)).toMatchObject({ status: 400, body: { error: /exceeds/ } });
    expect((await post('/key', '{"after":"big"}')).status).toBe(200);
  });

  it('answers unknown routes with 404 and wrong methods with 405', async () => {
    expect((await call('/nothing')).status).toBe(404);
    expect((await call('/key/x', { method: 'PUT' })).status).toBe(405);
    expect((await call('/join')).status).toBe(405);
  });

  it('validates join requests', async () => {
    expect(await post('/join', '{"id":"n2"}')).toMatchObject({ status: 400 });
    expect(await post('/join', '{"id":"n 2","addr":"tcp://127.0.0.1:1"}')).toMatchObject({ status: 400 });
    expect(await post('/join', `{"id":"n1","addr":"tcp://127.0.0.1:1"}`)).toMatchObject({
      status: 409,
      body: { error: /already a member/ },
    });
  });

  it('refuses to take a voter back as a joining learner, even at its own address, and says what to do', async () => {
    const peer = (await call('/status')).body.members as Array<{ id: string; peer: string }>;
    const own = peer.find((member) => member.id === 'n1')!.peer;

    const answer = await post('/join', JSON.stringify({ id: 'n1', addr: own }));

    expect(answer).toMatchObject({ status: 409, body: { code: 'already-a-voter' } });
    expect(answer.body.error).toContain('n1 is already a member of the cluster as a voter');
    expect(answer.body.error).toContain('raftkv members remove n1');
    expect(node.status().configuration.members.map((member) => member.id)).toEqual(['n1']);
  });
});

describe('HTTP status API', () => {
  it('reports role, term, leader, commit and applied index, and members', async () => {
    const { status, body } = await call('/status');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'n1',
      role: 'leader',
      leader: { id: 'n1', http: base },
      members: [{ id: 'n1', role: 'voter', http: base }],
    });
    expect(body.term).toBeGreaterThanOrEqual(2);
    expect(body.commitIndex).toBeGreaterThanOrEqual(2);
    expect(body.appliedIndex).toBe(body.commitIndex);
  });

  it('is healthy with a leader, and exposes metrics as Prometheus text', async () => {
    expect(await call('/health')).toMatchObject({ status: 200, body: { status: 'ok', leader: 'n1' } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^raftkv_term\{id="n1"\} \d+$/m);
    expect(metrics).toMatch(/^raftkv_role\{role="leader",id="n1"\} 1$/m);
    expect(metrics).toMatch(/^raftkv_transport_events_total\{source="peer",event="\w+",id="n1"\} \d+$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes\{id="n1"\} \d+$/m);
  });
});

describe('GET /snapshot', () => {
  it('streams a backup file of the applied state that verifies, and the node serves on', async () => {
    expect((await post('/key', '{"backup-a":"1","backup-b":"2"}')).status).toBe(200);
    const response = await fetch(`${base}/snapshot`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    const file = verifySnapshotFile(new Uint8Array(await response.arrayBuffer()));
    expect(file.header.keyCount).toBeGreaterThanOrEqual(2);
    expect(file.header.index).toBeLessThanOrEqual(node.status().appliedIndex);
    expect(file.header.configuration.members.map((member) => member.id)).toEqual(['n1']);
    expect(file.pairs.length).toBeGreaterThan(file.header.keyCount); // sessions and counters ride along
    expect((await call('/key/backup-b')).body).toEqual({ 'backup-b': '2' });
  });

  it('a client going away mid-stream leaves the node serving, and a later backup is whole', async () => {
    // Enough data that the answer does not fit the socket buffers at once.
    const value = 'x'.repeat(60_000);
    for (let batch = 0; batch < 20; batch++) {
      const body = Object.fromEntries(Array.from({ length: 10 }, (_, key) => [`big-${batch}-${key}`, value]));
      expect((await post('/key', JSON.stringify(body))).status).toBe(200);
    }
    const controller = new AbortController();
    const response = await fetch(`${base}/snapshot`, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.read().catch(() => undefined);
    // The node keeps serving, writes go on, and a later backup is whole.
    expect((await post('/key', '{"after-abort":"1"}')).status).toBe(200);
    const again = await fetch(`${base}/snapshot`);
    const file = verifySnapshotFile(new Uint8Array(await again.arrayBuffer()));
    expect(file.header.keyCount).toBeGreaterThanOrEqual(203);
  });
});
