// raftkv keys generate|token, --key-file, --token-file and the local cluster's keys: a key pair or
// token file is written once and refused if it exists, bad key and token files are usage errors, and a
// secure fake node serves a client that found its keys in .cluster/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCurveKeyPair, isCurveKey } from '@raftkv/client';
import { ClientEndpoint } from '@raftkv/transport-zmq';
import { afterEach, describe, expect, it } from 'vitest';
import { raftkv } from './run-cli.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'raftkv-keys-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

describe('raftkv keys', () => {
  it('generates a key pair file readable only by its owner, and never overwrites one', async () => {
    const directory = temporaryDirectory();
    const run = await raftkv(['keys', 'generate', '--out', directory, '--name', 'n1', '-o', 'json']);
    expect(run.exitCode).toBe(0);
    const file = join(directory, 'n1.key.json');
    const pair = JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string; secretKey: string };
    expect(isCurveKey(pair.publicKey) && isCurveKey(pair.secretKey)).toBe(true);
    expect(JSON.parse(run.stdout)).toEqual({ file, publicKey: pair.publicKey });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await raftkv(['keys', 'generate', '--out', directory, '--name', 'n1']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/cannot write .*n1\.key\.json: EEXIST/);
  });

  it('generates a random token file readable only by its owner, never overwriting one', async () => {
    const directory = temporaryDirectory();
    const file = join(directory, 'http.token');
    const run = await raftkv(['keys', 'token', '--out', file]);
    expect(run.exitCode).toBe(0);
    const token = readFileSync(file, 'utf8').trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await raftkv(['keys', 'token', '--out', file]);
    expect(again.exitCode).toBe(2);
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    const printed = await raftkv(['keys', 'token', '-o', 'json']);
    expect((JSON.parse(printed.stdout) as { token: string }).token).not.toBe(token);
  });

  it('refuses a --token-file that holds no usable token with a usage error', async () => {
    const directory = temporaryDirectory();
    writeFileSync(join(directory, 'short.token'), 'tooshort\n');
    const run = await raftkv(
      ['snapshot', 'save', 'out.snap', '--http', 'http://127.0.0.1:1', '--token-file', 'short.token'],
      { cwd: directory },
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('short.token must hold a token of 16-512 visible ASCII characters');
  });

  it('refuses a malformed --key-file with a usage error', async () => {
    const directory = temporaryDirectory();
    writeFileSync(join(directory, 'bad.json'), '{"publicKey":"x"}');
    const run = await raftkv(['--endpoints', '127.0.0.1:1', '--key-file', 'bad.json', 'get', 'a'], {
      cwd: directory,
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/bad\.json must hold \{"publicKey","secretKey"\}/);
  });

  it('talks CURVE to the local cluster with the keys it finds in .cluster/', async () => {
    const root = temporaryDirectory();
    const server = generateCurveKeyPair();
    const client = generateCurveKeyPair();
    const endpoint = await ClientEndpoint.bind({
      bindAddress: 'tcp://127.0.0.1:*',
      security: { keyPair: server, allowedClientKeys: [client.publicKey] },
      onRequest: (_request, reply) =>
        reply({
          ok: true,
          result: {
            kind: 'read',
            index: 1,
            result: { ok: true, revision: 1, result: { type: 'get', keyValue: null } },
          },
        }),
    });
    cleanups.push(() => endpoint.close());
    mkdirSync(join(root, '.cluster'));
    writeFileSync(join(root, '.cluster', 'client.key.json'), JSON.stringify(client));
    writeFileSync(
      join(root, '.cluster', 'cluster.json'),
      JSON.stringify({
        version: 1,
        nodes: [{ id: 'n1', client: endpoint.address, publicKey: server.publicKey }],
      }),
    );
    const run = await raftkv(['--timeout', '20000', 'get', 'a'], { cwd: root });
    // Answered (a missing key), not timed out (exit 3): the handshake used the keys from .cluster/.
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/not found/);
    expect(endpoint.counters().requestsReceived).toBeGreaterThan(0);
  });
});
