// Fuzzing raftkvd's settings at their trust boundary: config files (valid ones mutated, and random
// bytes) and command lines of random flags and values. parseConfig must run with a valid config or
// exit 2 with a message on stderr; it never throws. `npm run fuzz`: 100,000 each.
import { fuzzBytes, fuzzDecoder, fuzzTimeoutMs } from '@raftkv/testkit/fuzz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConfigParse, parseConfig } from '../src/config.js';

const encoder = new TextEncoder();
const configFiles = [
  { id: 'n1', dataDir: 'd', bootstrap: true, logLevel: 'warn', mapSizeMb: 7, heartbeatIntervalMs: 20 },
  {
    id: 'n1',
    dataDir: 'd',
    initialCluster: [
      {
        id: 'n1',
        peer: 'tcp://127.0.0.1:7001',
        client: 'tcp://127.0.0.1:8001',
        http: 'http://127.0.0.1:9001',
      },
      {
        id: 'n2',
        peer: 'tcp://127.0.0.1:7002',
        client: 'tcp://127.0.0.1:8002',
        http: 'http://127.0.0.1:9002',
      },
    ],
  },
  { dataDir: 'd', join: 'http://127.0.0.1:9001', electionTimeoutMs: 500 },
].map((config) => encoder.encode(JSON.stringify(config)));

function outcome(parsed: ConfigParse): { accepted: true } | { accepted: false; kind: string } {
  if (parsed.kind === 'run') return { accepted: true };
  if (parsed.exitCode === 0) {
    expect(parsed.stdout).toMatch(/raftkvd/); // --help or -h among the words
    return { accepted: false, kind: 'help' };
  }
  expect(parsed.exitCode === 2 && parsed.stderr.startsWith('raftkvd: ')).toBe(true);
  return { accepted: false, kind: 'usage error' };
}

describe('fuzzing the settings', () => {
  it(
    'a config file of any bytes: a config, or exit 2 with a message',
    () => {
      fuzzDecoder('config file', fuzzBytes(configFiles), (bytes) => {
        const text = new TextDecoder().decode(bytes);
        return outcome(parseConfig({ argv: ['--config', 'c.json'], env: {}, readFile: () => text }));
      });
    },
    fuzzTimeoutMs(),
  );

  it(
    'a command line of random flags and values: a config, or exit 2 with a message',
    () => {
      const flags = [
        '--id',
        '--data-dir',
        '--bootstrap',
        '--join',
        '--initial-cluster',
        '--peer-addr',
        '--client-addr',
        '--http-addr',
        '--election-timeout-ms',
        '--heartbeat-interval-ms',
        '--map-size-mb',
        '--log-level',
        '--config',
        '--',
        '-x',
        '--help-me',
      ];
      const word = fc.oneof(
        fc.constantFrom(...flags),
        fc.string({ maxLength: 40 }),
        fc.integer().map(String),
      );
      fuzzDecoder('command line', fc.array(word, { maxLength: 12 }), (argv) =>
        outcome(parseConfig({ argv, env: {}, readFile: () => '{"dataDir":"d"}' })),
      );
    },
    fuzzTimeoutMs(),
  );
});
