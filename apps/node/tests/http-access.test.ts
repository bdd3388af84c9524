// Who may call which HTTP route: API tokens for the API, the join credential for POST /join, nothing
// for /health and /metrics; a refusal is a 401 with a JSON error and a record for the log.
import { describe, expect, it } from 'vitest';
import { bearerToken, HttpAccess } from '../src/http-access.js';
import type { HttpRequest } from '../src/http-server.js';

const apiToken = 'api-token-0123456789';
const joinToken = 'join-token-0123456789';

function request(method: string, path: string, token?: string): HttpRequest {
  return {
    method,
    path,
    url: path,
    query: new URLSearchParams(),
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    body: Buffer.alloc(0),
    remoteAddress: '127.0.0.9',
  };
}

describe('HttpAccess', () => {
  const access = new HttpAccess({ apiTokens: [apiToken], joinToken });

  it('lets a valid API token through on every API route, and anyone to /health and /metrics', () => {
    for (const path of ['/key/a', '/key', '/status', '/snapshot'])
      expect(access.check(request('GET', path, apiToken))).toBeNull();
    expect(access.check(request('GET', '/health'))).toBeNull();
    expect(access.check(request('GET', '/metrics'))).toBeNull();
  });

  it('refuses a missing or unknown token with 401, and says what to log', () => {
    const missing = access.check(request('GET', '/key/a'));
    expect(missing?.answer.status).toBe(401);
    expect(missing?.answer.body).toMatchObject({ code: 'unauthorized' });
    expect(missing?.answer.headers?.['www-authenticate']).toMatch(/^Bearer /);
    expect(missing?.refusal).toEqual({
      path: '/key/a',
      method: 'GET',
      remoteAddress: '127.0.0.9',
      reason: 'no-token',
      credential: 'API token',
    });
    const unknown = access.check(request('DELETE', '/key/a', `${apiToken}x`));
    expect(unknown?.refusal.reason).toBe('unknown-token');
    expect(unknown?.answer.headers?.['www-authenticate']).toContain('error="invalid_token"');
    expect(missing?.answer.headers?.['www-authenticate']).toBe('Bearer realm="raftkv"');
  });

  it('asks POST /join for the join credential, not an API token, and the API for an API token, not it', () => {
    expect(access.check(request('POST', '/join', joinToken))).toBeNull();
    expect(access.check(request('POST', '/join', apiToken))?.refusal).toMatchObject({
      reason: 'unknown-token',
      credential: 'join credential',
    });
    expect(access.check(request('GET', '/key/a', joinToken))?.refusal.reason).toBe('unknown-token');
  });

  it('takes new API tokens on reload and drops the old ones', () => {
    const reloaded = new HttpAccess({ apiTokens: [apiToken], joinToken: null });
    reloaded.setApiTokens(['second-token-0123456789']);
    expect(reloaded.check(request('GET', '/status', apiToken))?.answer.status).toBe(401);
    expect(reloaded.check(request('GET', '/status', 'second-token-0123456789'))).toBeNull();
    // Without a join credential, /join is an API route like the others.
    expect(reloaded.check(request('POST', '/join', 'second-token-0123456789'))).toBeNull();
  });

  it('is open without tokens (--insecure)', () => {
    const open = new HttpAccess({ apiTokens: null, joinToken: null });
    expect(open.check(request('POST', '/join'))).toBeNull();
    expect(open.check(request('GET', '/key/a'))).toBeNull();
  });

  it('reads only a well-formed bearer header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});
