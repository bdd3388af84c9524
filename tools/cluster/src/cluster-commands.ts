// The launcher's commands: start (foreground; first run bootstraps with --initial-cluster, later runs
// restart from the same data directories), status, stop, kill <id>, restart <id>. They share the
// state file, so every command but start works from another terminal. Prints; never exits itself.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { build, staleProjects } from './build-check.js';
import { agreedLeader, collectReports, formatTable } from './cluster-status.js';
import { freePorts } from './free-ports.js';
import {
  isAlive,
  isRaftkvd,
  type RaftkvdMode,
  signal,
  spawnRaftkvd,
  stopProcess,
  waitForExit,
} from './node-processes.js';
import { type ClusterState, type NodeEntry, readState, updateNode, writeState } from './state-file.js';

export interface StartOptions {
  readonly nodes: number;
  readonly basePort: number | null;
  readonly dataRoot: string;
  readonly host: string;
  /** Build with Nx when dist is stale. */
  readonly build: boolean;
  /** Run raftkvd from sources with tsx instead of dist (no build needed). */
  readonly dev: boolean;
  readonly logLevel: string;
  /** How long to wait for a leader before printing the endpoints anyway. */
  readonly leaderTimeoutMs: number;
}

export type Print = (line: string) => void;

/** A command's failure the user can act on; printed as "cluster: <message>", exit 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

const identityFileName = 'raftkvd.json';

/** Starts (or restarts) every node, prints how to use the cluster, then waits for `untilStopped`. */
export async function startCluster(
  options: StartOptions,
  print: Print,
  untilStopped: Promise<void>,
): Promise<void> {
  const dataRoot = resolve(options.dataRoot);
  mkdirSync(dataRoot, { recursive: true });
  refuseIfRunning(dataRoot);
  const mode: RaftkvdMode = options.dev ? 'source' : 'dist';
  if (mode === 'dist') ensureBuilt(options.build, print);
  const existing = existingNodeIds(dataRoot);
  const nodes =
    existing.length > 0 ? restartEntries(dataRoot, existing) : await firstEntries(dataRoot, options);
  if (existing.length > 0) {
    const note =
      existing.length === options.nodes
        ? ''
        : ` (found ${existing.length}; --nodes applies to a new cluster)`;
    print(`Restarting ${existing.length} nodes from ${dataRoot}${note}`);
  } else {
    print(`Bootstrapping a new ${nodes.length}-node cluster in ${dataRoot}`);
  }
  let stopping = false;
  const launched = nodes.map((node) => {
    const argv =
      existing.length > 0
        ? ['--data-dir', node.dataDir, ...securityArgv(dataRoot, node.id)]
        : [...firstStartArgv(node, nodes, options.logLevel), ...securityArgv(dataRoot, node.id)];
    const child = spawnRaftkvd(mode, argv, node.logFile);
    child.on('exit', (code, signalName) => {
      if (!stopping) onNodeExit(dataRoot, node, child.pid ?? null, code, signalName, print);
    });
    return { ...node, pid: child.pid ?? null };
  });
  writeState(dataRoot, { version: 1, launcherPid: process.pid, mode, nodes: launched });
  await reportWhenLed(launched, httpToken(dataRoot), options.leaderTimeoutMs, print);
  await untilStopped;
  stopping = true;
  // The state file has the current PIDs (restart may have replaced some); if it is gone, our own children.
  await stopNodes(dataRoot, readState(dataRoot)?.nodes ?? launched, print);
  const state = readState(dataRoot);
  if (state !== null) writeState(dataRoot, { ...state, launcherPid: null });
}

/** Stops every node: the leader first (it hands leadership over), then the rest together. */
export async function stopCluster(
  dataRootOption: string,
  print: Print,
  options: { stopLauncher: boolean },
): Promise<void> {
  const dataRoot = resolve(dataRootOption);
  const state = requireState(dataRoot);
  await stopNodes(dataRoot, state.nodes, print);
  const launcher = state.launcherPid;
  if (options.stopLauncher && launcher !== null && launcher !== process.pid && isAlive(launcher)) {
    signal(launcher, 'SIGTERM');
    await waitForExit(launcher, 5000);
  }
}

/** Stops the running ones of `nodes`: the leader first (it hands leadership over), then the rest together. */
async function stopNodes(dataRoot: string, nodes: readonly NodeEntry[], print: Print): Promise<void> {
  const running = nodes.filter((node) => isRaftkvd(node.pid, node.dataDir));
  const leader = agreedLeader(await collectReports(running, httpToken(dataRoot)));
  const ordered = [
    running.filter((node) => node.id === leader),
    running.filter((node) => node.id !== leader),
  ];
  for (const group of ordered) {
    await Promise.all(
      group.map(async (node) => {
        print(`Stopping ${node.id} (pid ${node.pid})`);
        const how = await stopProcess(node.pid!);
        if (readState(dataRoot) !== null) updateNode(dataRoot, node.id, { pid: null });
        print(
          how === 'stopped' ? `${node.id} stopped` : `${node.id} did not stop in time; killed with SIGKILL`,
        );
      }),
    );
  }
  if (running.length === 0) print('No node is running');
}

export async function showStatus(dataRootOption: string, print: Print): Promise<boolean> {
  const state = requireState(resolve(dataRootOption));
  const nodes = state.nodes.map((node) =>
    isRaftkvd(node.pid, node.dataDir) ? node : { ...node, pid: null },
  );
  const reports = await collectReports(nodes, httpToken(resolve(dataRootOption)));
  print(formatTable(reports));
  const leader = agreedLeader(reports);
  print(leader === null ? 'No agreed leader right now' : `Leader: ${leader}`);
  return reports.some((report) => report.status !== null);
}

export async function killNode(dataRootOption: string, id: string, print: Print): Promise<void> {
  const dataRoot = resolve(dataRootOption);
  const node = requireNode(requireState(dataRoot), id);
  if (!isRaftkvd(node.pid, node.dataDir)) throw new CommandError(`${id} is not running`);
  signal(node.pid, 'SIGKILL');
  await waitForExit(node.pid, 5000);
  updateNode(dataRoot, id, { pid: null });
  print(`Killed ${id} (pid ${node.pid}) with SIGKILL`);
}

export async function restartNode(dataRootOption: string, id: string, print: Print): Promise<void> {
  const dataRoot = resolve(dataRootOption);
  const state = requireState(dataRoot);
  const node = requireNode(state, id);
  if (isRaftkvd(node.pid, node.dataDir)) {
    print(`Stopping ${id} (pid ${node.pid})`);
    await stopProcess(node.pid);
  }
  const child = spawnRaftkvd(
    state.mode,
    ['--data-dir', node.dataDir, ...securityArgv(dataRoot, id)],
    node.logFile,
  );
  child.unref();
  updateNode(dataRoot, id, { pid: child.pid ?? null });
  print(`Started ${id} (pid ${child.pid}); log: ${node.logFile}`);
}

function refuseIfRunning(dataRoot: string): void {
  const state = readState(dataRoot);
  if (state === null) return;
  const running = state.nodes.filter((node) => isRaftkvd(node.pid, node.dataDir)).map((node) => node.id);
  const launcherRunning =
    state.launcherPid !== null && state.launcherPid !== process.pid && isAlive(state.launcherPid);
  if (running.length > 0 || launcherRunning) {
    const what =
      running.length > 0
        ? `nodes ${running.join(', ')} are running`
        : `launcher ${state.launcherPid} is running`;
    throw new CommandError(
      `a cluster already runs in ${dataRoot} (${what}); stop it with: npm run cluster -- stop`,
    );
  }
}

function ensureBuilt(allowed: boolean, print: Print): void {
  const stale = staleProjects();
  if (stale.length === 0) return;
  if (!allowed) throw new CommandError(`not built or out of date: ${stale.join(', ')}; run npm run build`);
  print(`Building (${stale.join(', ')} out of date) ...`);
  if (!build()) throw new CommandError('the build of raftkvd failed; see the output above');
}

function existingNodeIds(dataRoot: string): string[] {
  return readdirSync(dataRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dataRoot, entry.name, identityFileName)))
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function restartEntries(dataRoot: string, ids: readonly string[]): NodeEntry[] {
  return ids.map((id) => {
    const dataDir = join(dataRoot, id);
    const identity = JSON.parse(readFileSync(join(dataDir, identityFileName), 'utf8')) as {
      advertise: { peer: string; client: string; http: string };
    };
    const entry = {
      id,
      pid: null,
      dataDir,
      logFile: join(dataRoot, 'logs', `${id}.log`),
      ...identity.advertise,
    };
    const keyFile = join(dataRoot, 'keys', `${id}.key.json`);
    if (!existsSync(keyFile)) return entry;
    const { publicKey } = JSON.parse(readFileSync(keyFile, 'utf8')) as { publicKey: string };
    return { ...entry, publicKey };
  });
}

/**
 * A new cluster is secure: a CURVE key pair per node in <data-dir>/keys/, and one for the CLI
 * (client.key.json), whose public key is the nodes' client allow-list (clients.keys). Written 0600.
 */
function createKeys(dataRoot: string, ids: readonly string[]): Map<string, string> {
  mkdirSync(join(dataRoot, 'keys'), { recursive: true, mode: 0o700 });
  const publicKeys = new Map<string, string>();
  for (const id of ids) {
    const pair = curveKeyPair();
    writeFileSync(join(dataRoot, 'keys', `${id}.key.json`), `${JSON.stringify(pair)}\n`, { mode: 0o600 });
    publicKeys.set(id, pair.publicKey);
  }
  const client = curveKeyPair();
  writeFileSync(join(dataRoot, 'client.key.json'), `${JSON.stringify(client)}\n`, { mode: 0o600 });
  writeFileSync(join(dataRoot, 'clients.keys'), `# raftkv CLI (client.key.json)\n${client.publicKey}\n`, {
    mode: 0o600,
  });
  return publicKeys;
}

/** The HTTP API's bearer token (http.token, read by the CLI too), and the join credential (join.token). */
const httpTokenFile = 'http.token';
const joinTokenFile = 'join.token';

/**
 * The credential flags for a node of a secure cluster; none for a cluster created before keys
 * existed. A secure cluster created before HTTP tokens existed gets its token files now.
 */
function securityArgv(dataRoot: string, id: string): string[] {
  const keyFile = join(dataRoot, 'keys', `${id}.key.json`);
  if (!existsSync(keyFile)) return [];
  for (const name of [httpTokenFile, joinTokenFile]) {
    const path = join(dataRoot, name);
    if (!existsSync(path)) writeFileSync(path, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  }
  return [
    ...['--key-file', keyFile, '--client-keys-file', join(dataRoot, 'clients.keys')],
    ...[
      '--http-tokens-file',
      join(dataRoot, httpTokenFile),
      '--join-token-file',
      join(dataRoot, joinTokenFile),
    ],
  ];
}

/** The cluster's HTTP token, for its status calls; null for a plaintext cluster. */
function httpToken(dataRoot: string): string | null {
  const path = join(dataRoot, httpTokenFile);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : null;
}

async function firstEntries(dataRoot: string, options: StartOptions): Promise<NodeEntry[]> {
  const ports = await freePorts(options.nodes * 3, options.host, options.basePort);
  const ids = Array.from({ length: options.nodes }, (_, position) => `n${position + 1}`);
  const publicKeys = createKeys(dataRoot, ids);
  return ids.map((id, position) => {
    return {
      publicKey: publicKeys.get(id)!,
      id,
      pid: null,
      dataDir: join(dataRoot, id),
      logFile: join(dataRoot, 'logs', `${id}.log`),
      peer: `tcp://${options.host}:${ports[position * 3]}`,
      client: `tcp://${options.host}:${ports[position * 3 + 1]}`,
      http: `http://${options.host}:${ports[position * 3 + 2]}`,
    };
  });
}

function firstStartArgv(node: NodeEntry, nodes: readonly NodeEntry[], logLevel: string): string[] {
  const cluster = nodes
    .map((member) => {
      const key = member.publicKey === undefined ? '' : `,${member.publicKey}`;
      return `${member.id}=${member.peer},${member.client},${member.http}${key}`;
    })
    .join(';');
  return ['--id', node.id, '--data-dir', node.dataDir, '--initial-cluster', cluster, '--log-level', logLevel];
}

function onNodeExit(
  dataRoot: string,
  node: NodeEntry,
  pid: number | null,
  code: number | null,
  signalName: NodeJS.Signals | null,
  print: Print,
): void {
  const state = readState(dataRoot);
  const current = state?.nodes.find((entry) => entry.id === node.id);
  if (current?.pid !== pid) return; // already restarted or recorded by another command
  updateNode(dataRoot, node.id, { pid: null });
  const how = signalName === null ? `with code ${code}` : `on ${signalName}`;
  print(`${node.id} exited ${how}; log: ${node.logFile}`);
}

async function reportWhenLed(
  nodes: readonly NodeEntry[],
  token: string | null,
  timeoutMs: number,
  print: Print,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let leader: string | null = null;
  while (leader === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    leader = agreedLeader(await collectReports(nodes, token));
  }
  print('');
  print(formatTable(await collectReports(nodes, token)));
  print('');
  print(leader === null ? `No leader yet after ${timeoutMs} ms; check the logs` : `Leader: ${leader}`);
  const first = nodes[0]!;
  print('Endpoints:');
  for (const node of nodes)
    print(`  ${node.id}  client ${node.client}  http ${node.http}  log ${node.logFile}`);
  print('Try:');
  print('  npx raftkv put a 1 && npx raftkv get a');
  // The HTTP API of a secure cluster asks for the token in .cluster/http.token.
  const auth = token === null ? '' : `-H "$AUTH" `;
  if (token !== null)
    print(
      `  AUTH="Authorization: Bearer $(cat ${join(relative(process.cwd(), dirname(first.dataDir)) || '.', httpTokenFile)})"`,
    );
  print(`  curl ${auth}-XPOST ${first.http}/key -d '{"foo":"bar"}'`);
  print(`  curl ${auth}${nodes[nodes.length - 1]!.http}/key/foo`);
  print(`  curl ${auth}${first.http}/status`);
  print('  npm run cluster -- status | kill n2 | restart n2 | stop');
  print('Press Ctrl-C to stop every node.');
}

function requireState(dataRoot: string): ClusterState {
  const state = readState(dataRoot);
  if (state === null) throw new CommandError(`no cluster in ${dataRoot}; start one with: npm start`);
  return state;
}

function requireNode(state: ClusterState, id: string): NodeEntry & { pid: number | null } {
  const node = state.nodes.find((entry) => entry.id === id);
  if (node === undefined)
    throw new CommandError(`no node ${id}; the cluster has ${state.nodes.map((n) => n.id).join(', ')}`);
  return node;
}
