// Actions on one node of the local cluster, shared by the CLI and the dashboard: kill (SIGKILL),
// restart (from its data directory, with its credentials and peer proxies), pause (SIGSTOP),
// resume (SIGCONT) and leadership transfer to it; and the credential files every command reads. Acts only on PIDs that are that
// node's raftkvd (node-processes.ts); prints, never exits.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KvClient, KvClientError } from '@raftkv/client';
import { isRaftkvd, signal, spawnRaftkvd, stopProcess, waitForExit } from './node-processes.js';
import { type ClusterState, type NodeEntry, readState, updateNode } from './state-file.js';

export type Print = (line: string) => void;

/** A command's failure the user can act on; printed as "cluster: <message>", exit 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/** The HTTP API's bearer token (http.token, read by the CLI too), and the join credential (join.token). */
export const httpTokenFile = 'http.token';
const joinTokenFile = 'join.token';

/**
 * The credential flags for a node of a secure cluster; none for a cluster created before keys
 * existed. A secure cluster created before HTTP tokens existed gets its token files now.
 */
export function securityArgv(dataRoot: string, id: string): string[] {
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
export function httpToken(dataRoot: string): string | null {
  const path = join(dataRoot, httpTokenFile);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : null;
}

/** `--peer-dial-addr` for `id` when the launcher routes peer links through its proxies, else nothing. */
export function peerDialArgv(state: ClusterState, id: string): string[] {
  const overrides = state.peerDialAddr?.[id];
  return overrides === undefined || overrides === '' ? [] : ['--peer-dial-addr', overrides];
}

export function requireState(dataRoot: string): ClusterState {
  const state = readState(dataRoot);
  if (state === null) throw new CommandError(`no cluster in ${dataRoot}; start one with: npm start`);
  return state;
}

export function requireNode(state: ClusterState, id: string): NodeEntry & { pid: number | null } {
  const node = state.nodes.find((entry) => entry.id === id);
  if (node === undefined)
    throw new CommandError(`no node ${id}; the cluster has ${state.nodes.map((n) => n.id).join(', ')}`);
  return node;
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
    ['--data-dir', node.dataDir, ...securityArgv(dataRoot, id), ...peerDialArgv(state, id)],
    node.logFile,
  );
  child.unref();
  updateNode(dataRoot, id, { pid: child.pid ?? null });
  print(`Started ${id} (pid ${child.pid}); log: ${node.logFile}`);
}

/** SIGSTOP: the node freezes mid-step (a long GC pause or a stalled VM), its sockets stay open. */
export function pauseNode(dataRootOption: string, id: string, print: Print): void {
  const node = runningNode(resolve(dataRootOption), id);
  if (isPaused(node.pid)) throw new CommandError(`${id} is already paused`);
  signal(node.pid, 'SIGSTOP');
  print(`Paused ${id} (pid ${node.pid}) with SIGSTOP; resume it with: npm run cluster -- resume ${id}`);
}

/** SIGCONT: the paused node runs on from where it stopped. */
export function resumeNode(dataRootOption: string, id: string, print: Print): void {
  const node = runningNode(resolve(dataRootOption), id);
  if (!isPaused(node.pid)) throw new CommandError(`${id} is not paused`);
  signal(node.pid, 'SIGCONT');
  print(`Resumed ${id} (pid ${node.pid}) with SIGCONT`);
}

/** Whether the process is stopped by a signal (state T in /proc/<pid>/stat); false without procfs. */
export function isPaused(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces; the state follows it.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'T';
  } catch {
    return false;
  }
}

function runningNode(dataRoot: string, id: string): NodeEntry & { pid: number } {
  const node = requireNode(requireState(dataRoot), id);
  if (!isRaftkvd(node.pid, node.dataDir)) throw new CommandError(`${id} is not running`);
  return { ...node, pid: node.pid };
}

/** Asks the leader to hand leadership to `id` (thesis §3.10), over the client protocol with the CLI's key. */
export async function transferLeadership(dataRootOption: string, id: string, print: Print): Promise<void> {
  const dataRoot = resolve(dataRootOption);
  const state = requireState(dataRoot);
  requireNode(state, id);
  const keyFile = join(dataRoot, 'client.key.json');
  const secure = existsSync(keyFile) && state.nodes.every((node) => node.publicKey !== undefined);
  const client = new KvClient({
    endpoints: state.nodes.map((node) => node.client),
    timeoutMs: 10_000,
    ...(secure
      ? {
          security: {
            keyPair: JSON.parse(readFileSync(keyFile, 'utf8')) as { publicKey: string; secretKey: string },
            serverKeys: new Map(state.nodes.map((node) => [node.client, node.publicKey!])),
          },
        }
      : {}),
  });
  try {
    await client.transferLeadership(id);
    print(`Asked the leader to hand leadership to ${id}`);
  } catch (error) {
    if (error instanceof KvClientError && error.reason === 'already-leader') {
      print(`${id} already leads`);
      return;
    }
    throw new CommandError(`leadership transfer to ${id} failed: ${(error as Error).message}`);
  } finally {
    client.close();
  }
}
