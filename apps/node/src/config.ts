// raftkvd's settings: command-line flags, RAFTKV_* environment variables and an optional JSON config
// file, merged with precedence flags > env > file > defaults and validated with zod. Returns a value
// (settings, or what to print and the exit code); it never exits the process and never binds anything.
import { nodeIdPattern } from '@raftkv/protocol';
import type { CurveKeyPair } from '@raftkv/transport-zmq';
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { type HostPort, isAdvertisable, parseHttpAddress, parseTcpAddress } from './addresses.js';
import { type InitialMember, initialClusterSyntax, parseInitialCluster } from './initial-cluster.js';
import { parseClientKeysFile, parseJoinTokenFile, parseKeyPairFile, parseTokensFile } from './key-files.js';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Exit code for a bad flag, environment variable or config file (like sysexits' EX_USAGE role). */
export const usageErrorExitCode = 2;

export interface NodeConfig {
  /** Null when not given: then the data directory must already hold an identity. */
  readonly id: string | null;
  readonly dataDir: string;
  /** Bind addresses; null when not given (taken from the identity, the initial cluster or defaults). */
  readonly peerAddr: HostPort | null;
  readonly clientAddr: HostPort | null;
  readonly httpAddr: HostPort | null;
  /** What other members and clients are told to use; null: the bound address. */
  readonly advertisePeerAddr: HostPort | null;
  readonly advertiseClientAddr: HostPort | null;
  readonly advertiseHttpAddr: HostPort | null;
  readonly initialCluster: readonly InitialMember[] | null;
  /**
   * Dial these members' peer endpoints through these addresses instead of the ones in the Raft
   * configuration (a proxy, a tunnel, a NAT rule); other members use their advertised address.
   */
  readonly peerDialAddr: ReadonlyMap<string, string>;
  readonly bootstrap: boolean;
  /** A member's http://host:port or tcp:// client address to ask for membership. */
  readonly join: string | null;
  /** A backup file (`raftkv snapshot save`) to seed this new member of a new cluster from. */
  readonly restore: string | null;
  /** Dangerous: rewrite the membership to this member alone, keeping its data (quorum lost for good). */
  readonly forceNewCluster: boolean;
  readonly logLevel: LogLevel;
  readonly electionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly snapshotThresholdEntries: number;
  readonly mapSizeMb: number;
  readonly requestTimeoutMs: number;
  /** CURVE on peer and client sockets; null: plaintext (--insecure, or no --key-file given). */
  readonly security: NodeSecurity | null;
  /** --insecure: plaintext on purpose (no warning about it). */
  readonly insecure: boolean;
  /** Who may call the HTTP API (docs/architecture.md "Security"). */
  readonly httpAuth: HttpAuthConfig;
}

export interface HttpAuthConfig {
  /** --http-tokens-file (reread on SIGHUP), or null: the HTTP API takes no token. */
  readonly tokensFile: string | null;
  /** Its tokens as read at start; null without the file. */
  readonly tokens: readonly string[] | null;
  /** --join-token-file's credential: members ask it of POST /join, a joining node sends it. */
  readonly joinToken: string | null;
}

export interface NodeSecurity {
  readonly keyPair: CurveKeyPair;
  /** The client allow-list file (reread on SIGHUP), or null: no client is admitted. */
  readonly clientKeysFile: string | null;
  /** Its keys as read at start. */
  readonly clientKeys: readonly string[];
}

export type ConfigParse =
  | { readonly kind: 'run'; readonly config: NodeConfig }
  | { readonly kind: 'exit'; readonly exitCode: number; readonly stdout: string; readonly stderr: string };

export interface ConfigSources {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads the config file; throws like fs.readFileSync when it cannot. */
  readonly readFile: (path: string) => string;
}

export const configDefaults = {
  logLevel: 'info',
  electionTimeoutMs: 1000,
  heartbeatIntervalMs: 100,
  snapshotThresholdEntries: 10_000,
  mapSizeMb: 1024,
  requestTimeoutMs: 5000,
} as const;

/** The election timeout must span at least this many heartbeats, so followers hear several. */
export const electionTimeoutHeartbeatsMin = 3;

const issueText = (message: string) => ({ error: message });
const tcpAddress = z.string().transform((text, context): HostPort => {
  const address = parseTcpAddress(text.trim());
  if (address === null) context.addIssue({ code: 'custom', message: 'is not a tcp://host:port address' });
  return address ?? { host: '', port: 0 };
});
const httpAddress = z.string().transform((text, context): HostPort => {
  const address = parseHttpAddress(text.trim());
  if (address === null) context.addIssue({ code: 'custom', message: 'is not an http://host:port address' });
  return address ?? { host: '', port: 0 };
});
const advertised = (address: z.ZodType<HostPort, string>) =>
  address.refine(isAdvertisable, issueText('must name a concrete host and a non-zero port'));
const wholeNumber = (min: number, max: number) =>
  z
    .union([
      z.number(),
      z.string().trim().regex(/^\d+$/, issueText('is not a whole number')).transform(Number),
    ])
    .pipe(
      z
        .number()
        .int(issueText('is not a whole number'))
        .min(min, issueText(`must be at least ${min}`))
        .max(max, issueText(`must be at most ${max}`)),
    );
const flag = z.union([
  z.boolean(),
  z
    .enum(['true', 'false', '1', '0'], issueText('is not true or false'))
    .transform((text) => text === 'true' || text === '1'),
]);
/** `n2=tcp://h:p,n3=tcp://h:p`: member id → the tcp:// address to dial it at; ids distinct. */
export const peerDialAddrSyntax = 'id=tcp://host:port,id=tcp://host:port';
const peerDialAddr = z.string().transform((text, context): ReadonlyMap<string, string> => {
  const map = new Map<string, string>();
  for (const item of text.split(',').map((part) => part.trim())) {
    const problem = dialOverrideProblem(item, map);
    if (problem !== null) {
      context.addIssue({ code: 'custom', message: problem });
      return map;
    }
  }
  return map;
});

/** Adds one `id=tcp://host:port` to `map`; returns what is wrong with it instead, if anything. */
function dialOverrideProblem(item: string, map: Map<string, string>): string | null {
  const [id = '', address, ...rest] = item.split('=').map((part) => part.trim());
  if (address === undefined || rest.length > 0 || !nodeIdPattern.test(id))
    return `"${item}" is not ${peerDialAddrSyntax}`;
  const hostPort = parseTcpAddress(address);
  if (hostPort === null || !isAdvertisable(hostPort)) return `"${address}" is not a dialable tcp://host:port`;
  if (map.has(id)) return `names ${id} twice`;
  map.set(id, address);
  return null;
}
const initialClusterMember = z.strictObject({
  id: z.string(),
  peer: z.string(),
  client: z.string(),
  http: z.string(),
  key: z.string().optional(),
});
const initialCluster = z.union([z.string(), z.array(initialClusterMember)]).transform((value, context) => {
  const text =
    typeof value === 'string'
      ? value
      : value
          .map((m) => `${m.id}=${m.peer},${m.client},${m.http}${m.key === undefined ? '' : `,${m.key}`}`)
          .join(';');
  const parsed = parseInitialCluster(text);
  if (!parsed.ok) context.addIssue({ code: 'custom', message: parsed.message });
  return parsed.ok ? parsed.members : [];
});

/** Every setting: its schema, and whether it takes a value on the command line. */
const settings = {
  id: z
    .string()
    .trim()
    .regex(nodeIdPattern, issueText('is not a valid node id (letters, digits, . _ -; 1-64)')),
  dataDir: z.string().trim().min(1, issueText('must not be empty')),
  peerAddr: tcpAddress,
  clientAddr: tcpAddress,
  httpAddr: httpAddress,
  advertisePeerAddr: advertised(tcpAddress),
  advertiseClientAddr: advertised(tcpAddress),
  advertiseHttpAddr: advertised(httpAddress),
  initialCluster,
  peerDialAddr,
  bootstrap: flag,
  join: z
    .string()
    .trim()
    .refine(
      (text) => parseHttpAddress(text) !== null || parseTcpAddress(text) !== null,
      issueText('is not an http://host:port or tcp://host:port address'),
    ),
  restore: z.string().trim().min(1, issueText('must not be empty')),
  forceNewCluster: flag,
  logLevel: z.enum(logLevels, issueText(`is not one of ${logLevels.join(', ')}`)),
  electionTimeoutMs: wholeNumber(10, 600_000),
  heartbeatIntervalMs: wholeNumber(1, 60_000),
  snapshotThresholdEntries: wholeNumber(1, 1_000_000_000),
  mapSizeMb: wholeNumber(1, 1024 * 1024),
  requestTimeoutMs: wholeNumber(1, 600_000),
  keyFile: z.string().trim().min(1, issueText('must not be empty')),
  clientKeysFile: z.string().trim().min(1, issueText('must not be empty')),
  httpTokensFile: z.string().trim().min(1, issueText('must not be empty')),
  joinTokenFile: z.string().trim().min(1, issueText('must not be empty')),
  insecure: flag,
} as const;

type SettingKey = keyof typeof settings;
const settingKeys = Object.keys(settings) as SettingKey[];

const descriptions: Record<SettingKey, [argument: string, description: string]> = {
  id: ['<id>', 'node id, e.g. n1 (first start only; later read from the data dir)'],
  dataDir: ['<dir>', 'data directory (LMDB + identity); required'],
  peerAddr: ['<tcp://host:port>', 'bind address for Raft peers (port 0: OS-assigned)'],
  clientAddr: ['<tcp://host:port>', 'bind address for ZeroMQ clients'],
  httpAddr: ['<http://host:port>', 'bind address for the HTTP API'],
  advertisePeerAddr: ['<tcp://host:port>', 'peer address other members use (default: bound address)'],
  advertiseClientAddr: ['<tcp://host:port>', 'client address handed to clients in redirects'],
  advertiseHttpAddr: ['<http://host:port>', 'HTTP address other members forward to'],
  initialCluster: ['<members>', `static bootstrap membership: ${initialClusterSyntax}`],
  peerDialAddr: [
    '<overrides>',
    `dial these members through these addresses instead of their advertised ones: ${peerDialAddrSyntax}`,
  ],
  bootstrap: ['', 'bootstrap a new single-node cluster'],
  join: ['<address>', "join an existing cluster through any member's HTTP or client address"],
  restore: [
    '<file>',
    'seed this member of a NEW cluster (--initial-cluster or --bootstrap) from a backup file; empty data dir only',
  ],
  forceNewCluster: [
    '',
    'DANGEROUS, quorum lost for good: make this member a one-member cluster keeping its data; once only',
  ],
  logLevel: ['<level>', `log level: ${logLevels.join(', ')}`],
  electionTimeoutMs: ['<ms>', `election timeout (default ${configDefaults.electionTimeoutMs})`],
  heartbeatIntervalMs: [
    '<ms>',
    `heartbeat interval = 4 ticks (default ${configDefaults.heartbeatIntervalMs})`,
  ],
  snapshotThresholdEntries: [
    '<n>',
    `compact the log beyond this many applied entries (default ${configDefaults.snapshotThresholdEntries})`,
  ],
  mapSizeMb: [
    '<mb>',
    `LMDB map size: the most the data file may grow to (default ${configDefaults.mapSizeMb})`,
  ],
  requestTimeoutMs: [
    '<ms>',
    `how long a client request may wait (default ${configDefaults.requestTimeoutMs})`,
  ],
  keyFile: ['<file>', "this node's CURVE key pair (JSON, from raftkv keys generate): encrypts every socket"],
  clientKeysFile: ['<file>', 'client public keys admitted, one per line (reread on SIGHUP)'],
  httpTokensFile: ['<file>', 'bearer tokens the HTTP API accepts, one per line (reread on SIGHUP)'],
  joinTokenFile: ['<file>', "the cluster's join credential: asked of POST /join, sent by --join"],
  insecure: ['', 'run without encryption or authentication (tutorials only)'],
};

export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
export const envName = (key: string): string =>
  `RAFTKV_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

interface RawValue {
  readonly value: unknown;
  /** How to name the value's origin in a message: --peer-addr, RAFTKV_PEER_ADDR, "peerAddr" in f.json. */
  readonly label: string;
}

class UsageError extends Error {}

export function parseConfig(sources: ConfigSources): ConfigParse {
  const output = { stdout: '', stderr: '' };
  const program = buildProgram(output);
  try {
    program.parse([...sources.argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return { kind: 'exit', exitCode: 0, stdout: output.stdout, stderr: '' };
    return usage(error.message.replace(/^error: /, ''));
  }
  try {
    return { kind: 'run', config: resolveConfig(program.opts(), sources) };
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }
}

function usage(message: string): ConfigParse {
  return {
    kind: 'exit',
    exitCode: usageErrorExitCode,
    stdout: '',
    stderr: `raftkvd: ${message}\nRun raftkvd --help for the list of flags.\n`,
  };
}

function buildProgram(output: { stdout: string; stderr: string }): Command {
  const program = new Command('raftkvd')
    .description('One raftkv cluster member: Raft over ZeroMQ, state in LMDB, an HTTP API.')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => {
        output.stdout += text;
      },
      writeErr: (text) => {
        output.stderr += text;
      },
    })
    .option(
      '--config <file>',
      `JSON config file with the same settings in camelCase (env ${envName('config')})`,
    );
  for (const key of settingKeys) {
    const [argument, description] = descriptions[key];
    program.option(
      `${flagName(key)}${argument === '' ? '' : ` ${argument}`}`,
      `${description} (env ${envName(key)})`,
    );
  }
  return program;
}

function resolveConfig(flags: Record<string, unknown>, sources: ConfigSources): NodeConfig {
  const configFile = (flags.config as string | undefined) ?? sources.env[envName('config')];
  const file = configFile === undefined ? {} : readConfigFile(configFile, sources.readFile);
  const raw = new Map<SettingKey, RawValue>();
  for (const key of settingKeys) {
    const fromFlag = flags[key];
    const fromEnv = sources.env[envName(key)];
    if (fromFlag !== undefined) raw.set(key, { value: fromFlag, label: flagName(key) });
    else if (fromEnv !== undefined) raw.set(key, { value: fromEnv, label: envName(key) });
    else if (key in file) raw.set(key, { value: file[key], label: `"${key}" in ${configFile}` });
  }
  // A setting in the environment or a config file applies at every start; this one must be given
  // deliberately, once: on a later start it would cut off the members added back since.
  const forced = raw.get('forceNewCluster');
  if (forced !== undefined && forced.label !== flagName('forceNewCluster'))
    throw new UsageError(
      `--force-new-cluster is dangerous and for one start only: give it on the command line, not as ${forced.label}`,
    );
  const value = <K extends SettingKey>(key: K): z.output<(typeof settings)[K]> | null => {
    const given = raw.get(key);
    if (given === undefined) return null;
    const parsed = settings[key].safeParse(given.value);
    if (parsed.success) return parsed.data as z.output<(typeof settings)[K]>;
    throw new UsageError(`${given.label} ${JSON.stringify(given.value)} ${issueMessage(parsed.error)}`);
  };
  const config: NodeConfig = {
    id: value('id'),
    dataDir: value('dataDir') ?? missing('dataDir'),
    peerAddr: value('peerAddr'),
    clientAddr: value('clientAddr'),
    httpAddr: value('httpAddr'),
    advertisePeerAddr: value('advertisePeerAddr'),
    advertiseClientAddr: value('advertiseClientAddr'),
    advertiseHttpAddr: value('advertiseHttpAddr'),
    initialCluster: value('initialCluster'),
    peerDialAddr: value('peerDialAddr') ?? new Map(),
    bootstrap: value('bootstrap') ?? false,
    join: value('join'),
    restore: value('restore'),
    forceNewCluster: value('forceNewCluster') ?? false,
    logLevel: value('logLevel') ?? configDefaults.logLevel,
    electionTimeoutMs: value('electionTimeoutMs') ?? configDefaults.electionTimeoutMs,
    heartbeatIntervalMs: value('heartbeatIntervalMs') ?? configDefaults.heartbeatIntervalMs,
    snapshotThresholdEntries: value('snapshotThresholdEntries') ?? configDefaults.snapshotThresholdEntries,
    mapSizeMb: value('mapSizeMb') ?? configDefaults.mapSizeMb,
    requestTimeoutMs: value('requestTimeoutMs') ?? configDefaults.requestTimeoutMs,
    insecure: value('insecure') ?? false,
    security: null,
    httpAuth: { tokensFile: null, tokens: null, joinToken: null },
  };
  checkCombinations(config);
  const keyFile = value('keyFile');
  const clientKeysFile = value('clientKeysFile');
  const httpTokensFile = value('httpTokensFile');
  const joinTokenFile = value('joinTokenFile');
  if (config.insecure) {
    const given = [
      keyFile === null ? null : '--key-file',
      clientKeysFile === null ? null : '--client-keys-file',
      httpTokensFile === null ? null : '--http-tokens-file',
      joinTokenFile === null ? null : '--join-token-file',
    ].filter((flag) => flag !== null);
    if (given.length > 0) throw new UsageError(`--insecure cannot be used with ${given.join(' or ')}`);
  }
  const httpAuth: HttpAuthConfig = {
    tokensFile: httpTokensFile,
    tokens:
      httpTokensFile === null
        ? null
        : readKeyFile(httpTokensFile, sources.readFile, '--http-tokens-file', parseTokensFile),
    joinToken:
      joinTokenFile === null
        ? null
        : readKeyFile(joinTokenFile, sources.readFile, '--join-token-file', parseJoinTokenFile),
  };
  if (keyFile === null) {
    if (clientKeysFile !== null) throw new UsageError('--client-keys-file needs --key-file');
    return { ...config, httpAuth };
  }
  if (config.join !== null && parseTcpAddress(config.join) !== null) {
    throw new UsageError(
      `--join ${config.join}: a node with --key-file joins through a member's HTTP address (http://host:port), ` +
        'which carries its public key and the join credential',
    );
  }
  const keyPair = readKeyFile(keyFile, sources.readFile, '--key-file', parseKeyPairFile);
  const clientKeys =
    clientKeysFile === null
      ? []
      : readKeyFile(clientKeysFile, sources.readFile, '--client-keys-file', parseClientKeysFile);
  return { ...config, httpAuth, security: { keyPair, clientKeysFile, clientKeys } };
}

function readKeyFile<T>(
  path: string,
  readFile: (path: string) => string,
  flagLabel: string,
  parse: (text: string) => { ok: true; value: T } | { ok: false; message: string },
): T {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new UsageError(`${flagLabel}: cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = parse(text);
  if (!parsed.ok) throw new UsageError(`${flagLabel}: ${path} ${parsed.message}`);
  return parsed.value;
}

function missing(key: SettingKey): never {
  throw new UsageError(`${flagName(key)} is required (or ${envName(key)}, or "${key}" in the config file)`);
}

function checkCombinations(config: NodeConfig): void {
  const modes = [
    config.bootstrap ? '--bootstrap' : null,
    config.initialCluster !== null ? '--initial-cluster' : null,
    config.join !== null ? '--join' : null,
  ].filter((mode) => mode !== null);
  if (modes.length > 1) throw new UsageError(`${modes.join(' and ')} cannot be used together`);
  if (config.restore !== null && config.join !== null)
    throw new UsageError(
      '--restore seeds a NEW cluster: use it with --initial-cluster or --bootstrap, not --join',
    );
  if (config.restore !== null && modes.length === 0)
    throw new UsageError("--restore needs the new cluster's configuration: --initial-cluster or --bootstrap");
  if (config.forceNewCluster && (modes.length > 0 || config.restore !== null))
    throw new UsageError(
      '--force-new-cluster keeps an existing data directory; it cannot be used with --bootstrap, --initial-cluster, --join or --restore',
    );
  if (config.electionTimeoutMs < electionTimeoutHeartbeatsMin * config.heartbeatIntervalMs) {
    throw new UsageError(
      `--election-timeout-ms ${config.electionTimeoutMs} must be at least ${electionTimeoutHeartbeatsMin} × ` +
        `--heartbeat-interval-ms (${config.heartbeatIntervalMs})`,
    );
  }
  if (config.initialCluster !== null && config.id !== null) {
    if (!config.initialCluster.some((member) => member.id === config.id)) {
      throw new UsageError(`--initial-cluster does not list this node's id ${config.id}`);
    }
  }
}

function readConfigFile(path: string, readFile: (path: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`config file ${path} must hold a JSON object of settings`);
  }
  const unknownKey = Object.keys(parsed).find((key) => !(settingKeys as string[]).includes(key));
  if (unknownKey !== undefined) {
    throw new UsageError(
      `config file ${path} has an unknown setting "${unknownKey}" (known: ${settingKeys.join(', ')})`,
    );
  }
  return parsed as Record<string, unknown>;
}

function issueMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'is not valid';
  if (issue.code === 'invalid_type') return `has the wrong type (expected ${issue.expected})`;
  if (issue.code === 'invalid_union') {
    const inner = issue.errors.flat().find((candidate) => candidate.code !== 'invalid_type');
    return inner?.message ?? 'has the wrong type';
  }
  return issue.message;
}
