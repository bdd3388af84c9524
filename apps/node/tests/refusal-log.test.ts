// The refusal log: a refused key is logged each time with its key and address; failed handshakes
// (plaintext callers, a wrong server key), which repeat at the caller's reconnect rate, at most once
// per interval per socket, the next line counting those left out.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { handshakeFailureLogIntervalMs, RefusalLog } from '../src/refusal-log.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function logged(): { log: RefusalLog; lines: () => Array<Record<string, unknown>>; clock: { now: number } } {
  const directory = mkdtempSync(join(tmpdir(), 'raftkv-refusals-'));
  directories.push(directory);
  const path = join(directory, 'node.log');
  const clock = { now: 1_000_000 };
  const log = new RefusalLog(createLogger('info', path), 'n1', () => clock.now);
  const lines = () =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, lines, clock };
}

const plaintext = {
  reason: 'handshake-failed',
  publicKey: null,
  address: '',
  detail: 'ERR_ZMTP_MECHANISM_MISMATCH',
} as const;

describe('RefusalLog', () => {
  it('logs every refused key with the key and the address', () => {
    const { log, lines } = logged();
    const refusal = { reason: 'key-not-admitted', publicKey: 'k'.repeat(40), address: '10.0.0.9' } as const;
    log.connection('client', refusal);
    log.connection('client', refusal);
    expect(lines()).toHaveLength(2);
    expect(lines()[0]).toMatchObject({
      level: 40,
      socket: 'client',
      publicKey: 'k'.repeat(40),
      remoteAddress: '10.0.0.9',
    });
  });

  it('logs failed handshakes once per interval per socket, then counts the ones left out', () => {
    const { log, lines, clock } = logged();
    for (let attempt = 0; attempt < 50; attempt += 1) log.connection('client', plaintext);
    log.connection('peer', plaintext);
    expect(lines().map((line) => line.socket)).toEqual(['client', 'peer']);
    expect(String(lines()[0]!.msg)).toContain('a plaintext caller, or one holding the wrong server key');
    clock.now += handshakeFailureLogIntervalMs;
    log.connection('client', plaintext);
    expect(lines()).toHaveLength(3);
    expect(lines()[2]).toMatchObject({
      socket: 'client',
      suppressed: 49,
      detail: 'ERR_ZMTP_MECHANISM_MISMATCH',
    });
  });

  it('logs an HTTP refusal without the token', () => {
    const { log, lines } = logged();
    log.http({
      path: '/key/a',
      method: 'GET',
      remoteAddress: '127.0.0.1',
      reason: 'unknown-token',
      credential: 'API token',
    });
    expect(lines()[0]).toMatchObject({ socket: 'http', path: '/key/a', reason: 'unknown-token' });
    expect(String(lines()[0]!.msg)).toContain('not a valid token (needs the API token)');
  });
});
