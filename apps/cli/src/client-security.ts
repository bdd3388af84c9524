// The CLI's credentials: its CURVE key pair and each node's public key, from --key-file/--server-keys
// or, for the local cluster from `npm start`, from .cluster/ (client.key.json and the nodes' publicKey
// in cluster.json); and the HTTP API's bearer token file. Null: plaintext. Bad files are usage errors.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ClientSecurity, type CurveKeyPair, isCurveKey } from '@raftkv/client';
import { exitUsage } from './exit-codes.js';
import { CliFailure } from './io.js';

/** The key pair file `raftkv keys generate` and `npm start` write for a client. */
export const clusterClientKeyPath = join('.cluster', 'client.key.json');

export function readKeyPair(path: string): CurveKeyPair {
  const value = readJson(path);
  if (
    typeof value !== 'object' ||
    value === null ||
    !('publicKey' in value) ||
    !('secretKey' in value) ||
    typeof value.publicKey !== 'string' ||
    typeof value.secretKey !== 'string' ||
    !isCurveKey(value.publicKey) ||
    !isCurveKey(value.secretKey)
  ) {
    throw new CliFailure(`${path} must hold {"publicKey","secretKey"} as 40-character Z85 keys`, exitUsage);
  }
  return { publicKey: value.publicKey, secretKey: value.secretKey };
}

/** A bearer token file (raftkv keys token, npm start's .cluster/http.token): its first token. */
export function readTokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliFailure(`cannot read ${path}: ${(error as Error).message}`, exitUsage);
  }
  const token = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== '' && line !== '#' && !line.startsWith('# '))
    ?.split(/\s/, 1)[0];
  if (token === undefined || !/^[\x21-\x7e]{16,512}$/.test(token)) {
    throw new CliFailure(`${path} must hold a token of 16-512 visible ASCII characters`, exitUsage);
  }
  return token;
}

/** --server-keys: a JSON object of client address → the node's public key. */
export function readServerKeys(path: string): Map<string, string> {
  const value = readJson(path);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliFailure(`${path} must hold a JSON object of client address → public key`, exitUsage);
  }
  const keys = new Map<string, string>();
  for (const [address, key] of Object.entries(value)) {
    if (typeof key !== 'string' || !isCurveKey(key)) {
      throw new CliFailure(`${path}: the key for ${address} is not a 40-character Z85 public key`, exitUsage);
    }
    keys.set(address, key);
  }
  return keys;
}

/**
 * The local cluster's security, found next to its state file: null when the cluster runs plaintext
 * (no client.key.json there).
 */
export function clusterSecurity(statePath: string, state: unknown): ClientSecurity | null {
  const keyPath = join(dirname(dirname(statePath)), clusterClientKeyPath);
  let exists = true;
  try {
    readFileSync(keyPath);
  } catch {
    exists = false;
  }
  if (!exists) return null;
  const serverKeys = new Map<string, string>();
  const nodes = typeof state === 'object' && state !== null && 'nodes' in state ? state.nodes : [];
  for (const node of Array.isArray(nodes) ? (nodes as unknown[]) : []) {
    if (typeof node !== 'object' || node === null) continue;
    const { client, publicKey } = node as { client?: unknown; publicKey?: unknown };
    if (typeof client === 'string' && typeof publicKey === 'string' && isCurveKey(publicKey)) {
      serverKeys.set(client, publicKey);
    }
  }
  return { keyPair: readKeyPair(keyPath), serverKeys };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliFailure(`cannot read ${path}: ${(error as Error).message}`, exitUsage);
  }
}
