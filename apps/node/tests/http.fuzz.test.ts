// Fuzzing the HTTP API over real HTTP on one in-process node: request bodies (valid JSON writes
// mutated, random bytes) and key paths (random text, percent-encoding, surrogates). Every answer is a
// deliberate status with a JSON body — never a 500 — the node keeps serving, and a write it took
// reads back exactly. `npm run fuzz`: 100,000 bodies and as many paths.

import { fuzzBytes, fuzzRuns, fuzzSeed, fuzzTimeoutMs } from '@raftkv/testkit/fuzz';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RaftProcess } from '../src/raft-process.js';
import { TestNodes, waitForLeader } from './support/nodes.js';
import { rawGet } from './support/raw-http.js';

const nodes = new TestNodes();
let base: string;
const runs = fuzzRuns();
const deliberate = new Set([200, 400, 404, 405, 409, 503, 504]);

beforeAll(async () => {
  const node: RaftProcess = await nodes.start(['--id', 'n1', '--data-dir', nodes.directory(), '--bootstrap']);
  base = node.advertised.http;
  await waitForLeader([node]);
});
afterAll(async () => {
  await nodes.stopAll();
  expect(nodes.fatalErrors).toEqual([]);
});

const encoder = new TextEncoder();
const bodies = [{ k: 'v' }, { a: '1', 'b/c': 'ü', emoji: '\u{1f600}' }, { long: 'x'.repeat(300) }].map(
  (body) => encoder.encode(JSON.stringify(body)),
);

/** One request; checks the answer is deliberate and JSON. Returns its status and body. */
async function call(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, init);
  expect(deliberate.has(response.status), `${init.method ?? 'GET'} ${path} answered ${response.status}`).toBe(
    true,
  );
  return { status: response.status, body: await response.json() };
}

/**
 * fast-check properties run synchronously, so the inputs are drawn first (seeded) and sent one after
 * another; a failure names the seed and the input (no shrinking here).
 */
async function fuzzAsync<T>(name: string, inputs: fc.Arbitrary<T>, check: (input: T) => Promise<string>) {
  const seed = fuzzSeed();
  console.log(`fuzz ${name}: ${runs} inputs over HTTP, seed ${seed} (replay: RAFTKV_FUZZ_SEED=${seed})`);
  const outcomes = new Map<string, number>();
  for (const input of fc.sample(inputs, { seed, numRuns: runs })) {
    let outcome: string;
    try {
      outcome = await check(input);
    } catch (error) {
      const shown =
        input instanceof Uint8Array ? `bytes ${Buffer.from(input).toString('hex')}` : JSON.stringify(input);
      throw new Error(`fuzz ${name}, seed ${seed}, input ${shown}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  console.log(
    `fuzz ${name}: ${runs} inputs, status ${[...outcomes].map(([status, count]) => `${status} ${count}`).join(', ')}`,
  );
}

describe('fuzzing the HTTP API', () => {
  it(
    'POST /key with any body: 200 and readable back, or a 4xx/503 with a JSON error',
    async () => {
      await fuzzAsync('POST /key body', fuzzBytes(bodies, 256), async (bytes) => {
        const answer = await call('/key', { method: 'POST', body: bytes });
        if (answer.status === 200) {
          const written = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<
            string,
            string
          >;
          const [key, value] = Object.entries(written).at(-1)!;
          const read = await call(`/key/${encodeURIComponent(key)}`);
          expect(read.body).toEqual({ [key]: value });
        } else {
          expect(answer.body).toMatchObject({ error: expect.any(String) });
        }
        return String(answer.status);
      });
    },
    fuzzTimeoutMs(),
  );

  it(
    'GET and DELETE /key/<any path>: a deliberate answer',
    async () => {
      const segment = fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.string({ unit: 'binary', maxLength: 10 }).map(encodeURIComponent),
        fc.constantFrom('%', '%E0%A4%A', '%ED%A0%80', '%00', '..', '%2F', '\ud800'),
      );
      const request = fc.tuple(
        fc.constantFrom('GET', 'DELETE'),
        fc.array(segment, { minLength: 1, maxLength: 3 }),
      );
      await fuzzAsync('/key/<path>', request, async ([method, parts]) => {
        const path = `/key/${parts.join('')}`;
        return String((await call(path, { method })).status);
      });
      expect((await call('/health')).status).toBe(200);
    },
    fuzzTimeoutMs(),
  );

  it(
    'any request target, sent as is: a deliberate answer, and the node keeps serving',
    async () => {
      const start = fc.constantFrom('/', '//', '/key/', '//key/', '', '*', 'http://', 'http://[', '/%', '?');
      const target = fc.tuple(start, fc.stringMatching(/^[!-~]{0,40}$/)).map(([head, tail]) => head + tail);
      await fuzzAsync('request target', target, async (text) => {
        const status = await rawGet(base, text);
        expect(deliberate.has(status), `GET ${text} answered ${status}`).toBe(true);
        return String(status);
      });
      expect((await call('/health')).status).toBe(200);
    },
    fuzzTimeoutMs(),
  );
});
