// raftkvd settings: flags, env and config file merged with precedence, and clear usage errors.
import { describe, expect, it } from 'vitest';
import { type ConfigSources, type NodeConfig, parseConfig, usageErrorExitCode } from '../src/config.js';

function sources(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): ConfigSources {
  return {
    argv,
    env,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
      return text;
    },
  };
}

function run(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): NodeConfig {
  const parsed = parseConfig(sources(argv, env, files));
  if (parsed.kind !== 'run') throw new Error(`expected settings, got: ${parsed.stderr}`);
  return parsed.config;
}

function usageError(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): string {
  const parsed = parseConfig(sources(argv, env, files));
  if (parsed.kind !== 'exit') throw new Error('expected a usage error');
  expect(parsed.exitCode).toBe(usageErrorExitCode);
  return parsed.stderr.split('\n')[0]!;
}

const cluster =
  'n1=tcp://127.0.0.1:7001,tcp://127.0.0.1:8001,http://127.0.0.1:9001;' +
  'n2=tcp://127.0.0.1:7002,tcp://127.0.0.1:8002,127.0.0.1:9002';

describe('raftkvd settings', () => {
  it('parses every flag into typed settings', () => {
    const config = run([
      '--id',
      'n1',
      '--data-dir',
      '/data/n1',
      '--peer-addr',
      'tcp://0.0.0.0:0',
      '--client-addr',
      'tcp://127.0.0.1:8001',
      '--http-addr',
      '127.0.0.1:9001',
      '--advertise-peer-addr',
      'tcp://10.0.0.1:7001',
      '--bootstrap',
      '--log-level',
      'debug',
      '--election-timeout-ms',
      '500',
      '--heartbeat-interval-ms',
      '50',
      '--snapshot-threshold-entries',
      '100',
      '--map-size-mb',
      '64',
    ]);
    expect(config).toMatchObject({
      id: 'n1',
      dataDir: '/data/n1',
      peerAddr: { host: '0.0.0.0', port: 0 },
      clientAddr: { host: '127.0.0.1', port: 8001 },
      httpAddr: { host: '127.0.0.1', port: 9001 },
      advertisePeerAddr: { host: '10.0.0.1', port: 7001 },
      bootstrap: true,
      logLevel: 'debug',
      electionTimeoutMs: 500,
      heartbeatIntervalMs: 50,
      snapshotThresholdEntries: 100,
      mapSizeMb: 64,
    });
  });

  it('applies defaults for what is not given', () => {
    const config = run(['--data-dir', 'd']);
    expect(config).toMatchObject({
      id: null,
      peerAddr: null,
      bootstrap: false,
      join: null,
      logLevel: 'info',
    });
    expect(config.electionTimeoutMs).toBe(1000);
    expect(config.heartbeatIntervalMs).toBe(100);
  });

  it('takes flags over env over config file over defaults', () => {
    const files = {
      'c.json': JSON.stringify({ id: 'from-file', logLevel: 'warn', mapSizeMb: 7, heartbeatIntervalMs: 20 }),
    };
    const env = { RAFTKV_ID: 'from-env', RAFTKV_LOG_LEVEL: 'error', RAFTKV_DATA_DIR: 'env-dir' };
    const config = run(['--config', 'c.json', '--id', 'from-flag'], env, files);
    expect(config.id).toBe('from-flag');
    expect(config.logLevel).toBe('error');
    expect(config.mapSizeMb).toBe(7);
    expect(config.dataDir).toBe('env-dir');
    expect(config.heartbeatIntervalMs).toBe(20);
    expect(config.snapshotThresholdEntries).toBe(10_000);
  });

  it('reads the config file named by RAFTKV_CONFIG', () => {
    const files = { 'f.json': JSON.stringify({ dataDir: 'x', bootstrap: true }) };
    expect(run([], { RAFTKV_CONFIG: 'f.json' }, files)).toMatchObject({ dataDir: 'x', bootstrap: true });
  });

  it('accepts --initial-cluster in the flag syntax and as an array in the config file', () => {
    const fromFlag = run(['--data-dir', 'd', '--id', 'n1', '--initial-cluster', cluster]);
    expect(fromFlag.initialCluster).toEqual([
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
    ]);
    const files = {
      'c.json': JSON.stringify({ dataDir: 'd', id: 'n1', initialCluster: fromFlag.initialCluster }),
    };
    expect(run(['--config', 'c.json'], {}, files).initialCluster).toEqual(fromFlag.initialCluster);
  });

  it('names the flag and the bad value', () => {
    expect(usageError(['--data-dir', 'd', '--peer-addr', 'foo'])).toBe(
      'raftkvd: --peer-addr "foo" is not a tcp://host:port address',
    );
    expect(usageError(['--data-dir', 'd', '--http-addr', 'nope'])).toBe(
      'raftkvd: --http-addr "nope" is not an http://host:port address',
    );
    expect(usageError(['--data-dir', 'd', '--election-timeout-ms', 'soon'])).toBe(
      'raftkvd: --election-timeout-ms "soon" is not a whole number',
    );
    expect(usageError(['--data-dir', 'd', '--id', 'bad id!'])).toMatch(
      /^raftkvd: --id "bad id!" is not a valid node id/,
    );
    expect(usageError(['--data-dir', 'd', '--log-level', 'loud'])).toMatch(
      /^raftkvd: --log-level "loud" is not one of/,
    );
  });

  it('names the environment variable or the config file key the bad value came from', () => {
    expect(usageError(['--data-dir', 'd'], { RAFTKV_PEER_ADDR: 'x:1' })).toBe(
      'raftkvd: RAFTKV_PEER_ADDR "x:1" is not a tcp://host:port address',
    );
    const files = { 'c.json': '{"mapSizeMb": "big"}' };
    expect(usageError(['--data-dir', 'd', '--config', 'c.json'], {}, files)).toBe(
      'raftkvd: "mapSizeMb" in c.json "big" is not a whole number',
    );
  });

  it('refuses unknown flags, unknown config keys, unreadable and malformed config files', () => {
    expect(usageError(['--data-dir', 'd', '--colour'])).toBe("raftkvd: unknown option '--colour'");
    expect(usageError(['--config', 'c.json'], {}, { 'c.json': '{"dataDir":"d","colour":1}' })).toMatch(
      /unknown setting "colour"/,
    );
    expect(usageError(['--config', 'missing.json'])).toMatch(
      /^raftkvd: cannot read config file missing.json/,
    );
    expect(usageError(['--config', 'c.json'], {}, { 'c.json': '{nope' })).toMatch(/is not valid JSON/);
  });

  it('requires --data-dir', () => {
    expect(usageError([])).toMatch(/^raftkvd: --data-dir is required/);
  });

  it('takes --restore only with a new cluster configuration, and --force-new-cluster only alone', () => {
    expect(run(['--data-dir', 'd', '--bootstrap', '--restore', 'b.snap'])).toMatchObject({
      restore: 'b.snap',
    });
    expect(run(['--data-dir', 'd', '--force-new-cluster'])).toMatchObject({ forceNewCluster: true });
    expect(usageError(['--data-dir', 'd', '--restore', 'b.snap'])).toMatch(
      /--restore needs the new cluster's configuration/,
    );
    expect(usageError(['--data-dir', 'd', '--restore', 'b.snap', '--join', 'http://127.0.0.1:9001'])).toMatch(
      /--restore seeds a NEW cluster/,
    );
    for (const other of [
      ['--bootstrap'],
      ['--join', 'http://127.0.0.1:9001'],
      ['--initial-cluster', cluster],
    ])
      expect(usageError(['--data-dir', 'd', '--id', 'n1', '--force-new-cluster', ...other])).toMatch(
        /--force-new-cluster keeps an existing data directory/,
      );
  });

  it('refuses contradictory modes and timings', () => {
    expect(usageError(['--data-dir', 'd', '--bootstrap', '--join', 'http://127.0.0.1:9001'])).toBe(
      'raftkvd: --bootstrap and --join cannot be used together',
    );
    expect(
      usageError(['--data-dir', 'd', '--election-timeout-ms', '200', '--heartbeat-interval-ms', '100']),
    ).toMatch(/--election-timeout-ms 200 must be at least 3 × --heartbeat-interval-ms \(100\)/);
    expect(usageError(['--data-dir', 'd', '--id', 'n9', '--initial-cluster', cluster])).toBe(
      "raftkvd: --initial-cluster does not list this node's id n9",
    );
  });

  it('refuses malformed --initial-cluster members', () => {
    expect(usageError(['--data-dir', 'd', '--initial-cluster', 'n1=tcp://a:1'])).toMatch(
      /member n1 needs three addresses and an optional key: peer,client,http\[,publicKey\]/,
    );
    expect(usageError(['--data-dir', 'd', '--initial-cluster', 'n1=tcp://a:0,tcp://a:2,http://a:3'])).toMatch(
      /must name a concrete host and a non-zero port/,
    );
    expect(
      usageError(['--data-dir', 'd', '--initial-cluster', `${cluster};n1=tcp://b:1,tcp://b:2,http://b:3`]),
    ).toMatch(/lists member n1 twice/);
  });

  it('refuses a wildcard or port-0 advertised address', () => {
    expect(usageError(['--data-dir', 'd', '--advertise-peer-addr', 'tcp://0.0.0.0:7001'])).toMatch(
      /--advertise-peer-addr "tcp:\/\/0.0.0.0:7001" must name a concrete host/,
    );
  });

  it('reads --peer-dial-addr as a map from member id to the address to dial it at', () => {
    expect(run(['--data-dir', 'd']).peerDialAddr.size).toBe(0);
    const config = run(['--data-dir', 'd', '--peer-dial-addr', 'n2=tcp://127.0.0.1:7102, n3=tcp://h:7103']);
    expect([...config.peerDialAddr]).toEqual([
      ['n2', 'tcp://127.0.0.1:7102'],
      ['n3', 'tcp://h:7103'],
    ]);
    expect(run(['--data-dir', 'd'], { RAFTKV_PEER_DIAL_ADDR: 'n2=tcp://h:1' }).peerDialAddr.get('n2')).toBe(
      'tcp://h:1',
    );
  });

  it('refuses a malformed, undialable or repeated --peer-dial-addr entry', () => {
    expect(usageError(['--data-dir', 'd', '--peer-dial-addr', 'n2'])).toMatch(/"n2" is not id=tcp:/);
    expect(usageError(['--data-dir', 'd', '--peer-dial-addr', 'n2=http://h:1'])).toMatch(
      /"http:\/\/h:1" is not a dialable tcp/,
    );
    expect(usageError(['--data-dir', 'd', '--peer-dial-addr', 'n2=tcp://0.0.0.0:1'])).toMatch(
      /not a dialable/,
    );
    expect(usageError(['--data-dir', 'd', '--peer-dial-addr', 'n2=tcp://h:1,n2=tcp://h:2'])).toMatch(
      /names n2 twice/,
    );
  });

  it('prints help on --help and exits 0', () => {
    const parsed = parseConfig(sources(['--help']));
    expect(parsed.kind).toBe('exit');
    if (parsed.kind !== 'exit') return;
    expect(parsed.exitCode).toBe(0);
    expect(parsed.stdout).toContain('--initial-cluster');
    expect(parsed.stdout).toContain('RAFTKV_DATA_DIR');
  });
});

describe('raftkvd security settings', () => {
  const pair = {
    publicKey: 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7',
    secretKey: 'JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6',
  };
  const files = { '/k.json': JSON.stringify(pair), '/clients': `${pair.publicKey}\n` };

  it('reads the key pair and the client allow-list', () => {
    const config = run(
      ['--data-dir', '/d', '--key-file', '/k.json', '--client-keys-file', '/clients'],
      {},
      files,
    );
    expect(config.security).toEqual({
      keyPair: pair,
      clientKeysFile: '/clients',
      clientKeys: [pair.publicKey],
    });
    expect(run(['--data-dir', '/d', '--insecure']).security).toBeNull();
    expect(run(['--data-dir', '/d'], { RAFTKV_KEY_FILE: '/k.json' }, files).security?.clientKeys).toEqual([]);
  });

  it('refuses missing or malformed key files and contradicting flags', () => {
    expect(usageError(['--data-dir', '/d', '--key-file', '/missing.json'])).toMatch(
      /^raftkvd: --key-file: cannot read \/missing\.json: ENOENT/,
    );
    expect(usageError(['--data-dir', '/d', '--key-file', '/clients'], {}, files)).toMatch(
      /--key-file: \/clients is not valid JSON/,
    );
    expect(
      usageError(['--data-dir', '/d', '--key-file', '/k.json', '--client-keys-file', '/k.json'], {}, files),
    ).toMatch(/--client-keys-file: \/k\.json line 1 is not a 40-character Z85 public key/);
    expect(usageError(['--data-dir', '/d', '--insecure', '--key-file', '/k.json'], {}, files)).toMatch(
      /--insecure cannot be used with --key-file/,
    );
    expect(usageError(['--data-dir', '/d', '--client-keys-file', '/clients'], {}, files)).toMatch(
      /--client-keys-file needs --key-file/,
    );
  });

  it('reads the HTTP tokens and the join credential, and refuses bad ones and contradicting flags', () => {
    const tokenFiles = {
      ...files,
      '/http.tokens': '# ops\nfirst-token-0123456789 ops\nsecond-token-0123456789\n',
      '/join.token': 'join-token-0123456789\n',
      '/short': 'long-enough-token-0123\nshort\n',
    };
    const config = run(
      ['--data-dir', '/d', '--http-tokens-file', '/http.tokens', '--join-token-file', '/join.token'],
      {},
      tokenFiles,
    );
    expect(config.httpAuth).toEqual({
      tokensFile: '/http.tokens',
      tokens: ['first-token-0123456789', 'second-token-0123456789'],
      joinToken: 'join-token-0123456789',
    });
    expect(run(['--data-dir', '/d']).httpAuth).toEqual({ tokensFile: null, tokens: null, joinToken: null });
    expect(usageError(['--data-dir', '/d', '--http-tokens-file', '/short'], {}, tokenFiles)).toMatch(
      /--http-tokens-file: \/short line 2: the token is shorter than 16 characters/,
    );
    expect(usageError(['--data-dir', '/d', '--join-token-file', '/http.tokens'], {}, tokenFiles)).toMatch(
      /--join-token-file: \/http\.tokens must hold exactly one token \(it holds 2\)/,
    );
    expect(
      usageError(['--data-dir', '/d', '--insecure', '--http-tokens-file', '/http.tokens'], {}, tokenFiles),
    ).toMatch(/--insecure cannot be used with --http-tokens-file/);
    expect(
      usageError(['--data-dir', '/d', '--key-file', '/k.json', '--join', 'tcp://127.0.0.1:8001'], {}, files),
    ).toMatch(/a node with --key-file joins through a member's HTTP address/);
    expect(
      run(['--data-dir', '/d', '--key-file', '/k.json', '--join', '127.0.0.1:9001'], {}, files).join,
    ).toBe('127.0.0.1:9001');
  });

  it('takes a member key as the fourth field of --initial-cluster and refuses a malformed one', () => {
    const config = run([
      '--data-dir',
      '/d',
      '--initial-cluster',
      `${cluster.split(';')[0]},${pair.publicKey}`,
    ]);
    expect(config.initialCluster?.[0]?.key).toBe(pair.publicKey);
    expect(usageError(['--data-dir', '/d', '--initial-cluster', `${cluster.split(';')[0]},nope`])).toMatch(
      /"nope" is not a 40-character Z85 public key/,
    );
  });
});
