// Finds the default --endpoints: the client addresses in the local cluster's state file
// (.cluster/cluster.json, written by tools/cluster), looked for in cwd and each parent directory.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exitUsage } from './exit-codes.js';
import { CliFailure } from './io.js';

export const clusterStatePath = join('.cluster', 'cluster.json');

/** Parses "--endpoints a,b,c"; bare host:port gets the tcp:// scheme. */
export function parseEndpoints(text: string): string[] {
  const endpoints = text
    .split(',')
    .map((endpoint) => endpoint.trim())
    .filter((endpoint) => endpoint.length > 0)
    .map((endpoint) => (endpoint.includes('://') ? endpoint : `tcp://${endpoint}`));
  if (endpoints.length === 0) throw new CliFailure('--endpoints lists no address', exitUsage);
  return endpoints;
}

export function clusterEndpoints(cwd: string): string[] {
  const path = findUpwards(cwd, clusterStatePath);
  if (path === null) {
    throw new CliFailure(
      `no --endpoints given and no local cluster found (${clusterStatePath} in this directory or a parent). ` +
        'Pass --endpoints tcp://host:port,... or start a local cluster with `npm start`.',
      exitUsage,
    );
  }
  const endpoints = clientAddresses(readJson(path));
  if (endpoints.length === 0) {
    throw new CliFailure(
      `${path} names no client addresses; pass --endpoints tcp://host:port,...`,
      exitUsage,
    );
  }
  return endpoints;
}

function findUpwards(start: string, relative: string): string | null {
  for (let directory = start; ; directory = dirname(directory)) {
    const candidate = join(directory, relative);
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // Not here; try the parent.
    }
    if (dirname(directory) === directory) return null;
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliFailure(`cannot read ${path}: ${(error as Error).message}`, exitUsage);
  }
}

/** Every node's client address: `nodes[].client` in tools/cluster's state file (format version 1). */
function clientAddresses(state: unknown): string[] {
  if (typeof state !== 'object' || state === null || !('nodes' in state) || !Array.isArray(state.nodes))
    return [];
  return (state.nodes as unknown[])
    .map((node) => (typeof node === 'object' && node !== null && 'client' in node ? node.client : null))
    .filter((client): client is string => typeof client === 'string' && client.startsWith('tcp://'));
}
