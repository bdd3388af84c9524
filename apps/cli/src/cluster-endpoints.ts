// Finds the default --endpoints: the client addresses in the local cluster's state file
// (.cluster/cluster.json, written by tools/cluster), looked for in cwd and each parent directory, with
// the cluster's client keys when it runs secure.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ClientSecurity } from '@raftkv/client';
import { clusterSecurity, readTokenFile } from './client-security.js';
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

export function clusterEndpoints(cwd: string): { endpoints: string[]; security: ClientSecurity | null } {
  const path = findUpwards(cwd, clusterStatePath);
  if (path === null) {
    throw new CliFailure(
      `no --endpoints given and no local cluster found (${clusterStatePath} in this directory or a parent). ` +
        'Pass --endpoints tcp://host:port,... or start a local cluster with `npm start`.',
      exitUsage,
    );
  }
  const state = readJson(path);
  const endpoints = clientAddresses(state);
  if (endpoints.length === 0) {
    throw new CliFailure(
      `${path} names no client addresses; pass --endpoints tcp://host:port,...`,
      exitUsage,
    );
  }
  return { endpoints, security: clusterSecurity(path, state) };
}

/** The local cluster's client keys, used with --endpoints too; null without a (secure) local cluster. */
export function localClusterSecurity(cwd: string): ClientSecurity | null {
  const path = findUpwards(cwd, clusterStatePath);
  return path === null ? null : clusterSecurity(path, readJson(path));
}

/** The local cluster's HTTP token (.cluster/http.token beside its state file), or null. */
export function localClusterHttpToken(cwd: string): string | null {
  const path = findUpwards(cwd, clusterStatePath);
  if (path === null) return null;
  const tokenPath = join(dirname(path), 'http.token');
  try {
    readFileSync(tokenPath);
  } catch {
    return null;
  }
  return readTokenFile(tokenPath);
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
