// The launcher's state file, <data-dir>/cluster.json: which raftkvd processes run (PIDs) and their
// advertised addresses, so `status`, `stop`, `kill` and `restart` work from another terminal and the
// CLI can find client endpoints. Written atomically (temp file + rename); read defensively.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const stateFileName = 'cluster.json';
export const stateFormatVersion = 1;

export interface NodeEntry {
  readonly id: string;
  /** Null once the launcher saw the process stop. */
  readonly pid: number | null;
  readonly dataDir: string;
  readonly logFile: string;
  readonly peer: string;
  readonly client: string;
  readonly http: string;
  /** The node's CURVE public key (the CLI needs it to talk to the node); absent on a plaintext cluster. */
  readonly publicKey?: string;
}

export interface ClusterState {
  readonly version: number;
  /** The foreground `start` process, null once it exited. */
  readonly launcherPid: number | null;
  /** How raftkvd is run: 'dist' (built) or 'source' (tsx, --dev). */
  readonly mode: 'dist' | 'source';
  readonly nodes: readonly NodeEntry[];
}

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

export function statePath(dataRoot: string): string {
  return join(dataRoot, stateFileName);
}

/** The state, or null when no cluster was ever started under `dataRoot`. */
export function readState(dataRoot: string): ClusterState | null {
  let text: string;
  try {
    text = readFileSync(statePath(dataRoot), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateFileError(`cannot read ${statePath(dataRoot)}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StateFileError(`${statePath(dataRoot)} is not valid JSON; delete it if no cluster runs`);
  }
  if (!isClusterState(value)) {
    throw new StateFileError(
      `${statePath(dataRoot)} is not a raftkv cluster state file (version ${stateFormatVersion})`,
    );
  }
  return value;
}

export function writeState(dataRoot: string, state: ClusterState): void {
  const path = statePath(dataRoot);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** Rewrites one node's entry. */
export function updateNode(dataRoot: string, id: string, change: Partial<NodeEntry>): ClusterState {
  const state = readState(dataRoot);
  if (state === null) throw new StateFileError(`no cluster state under ${dataRoot}; run start first`);
  const next = {
    ...state,
    nodes: state.nodes.map((node) => (node.id === id ? { ...node, ...change } : node)),
  };
  writeState(dataRoot, next);
  return next;
}

function isClusterState(value: unknown): value is ClusterState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  return (
    state.version === stateFormatVersion &&
    (state.launcherPid === null || Number.isSafeInteger(state.launcherPid)) &&
    (state.mode === 'dist' || state.mode === 'source') &&
    Array.isArray(state.nodes) &&
    state.nodes.every(isNodeEntry)
  );
}

function isNodeEntry(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const node = value as Record<string, unknown>;
  const strings = ['id', 'dataDir', 'logFile', 'peer', 'client', 'http'] as const;
  return (
    strings.every((key) => typeof node[key] === 'string') &&
    (node.pid === null || Number.isSafeInteger(node.pid))
  );
}
