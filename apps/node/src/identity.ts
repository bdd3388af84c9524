// A node's identity, fixed at its first start and kept in <data-dir>/raftkvd.json: its id, the
// addresses it binds and advertises, and the member it joins through. Written atomically (temp file,
// fsync, rename, fsync of the directory). Membership is NOT here: it lives in the Raft log.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { nodeIdPattern } from '@raftkv/protocol';
import { z } from 'zod';
import { parseHttpAddress, parseTcpAddress } from './addresses.js';

export const identityFileName = 'raftkvd.json';
export const identityFormatVersion = 1;

export interface Endpoints {
  /** tcp://host:port */
  readonly peer: string;
  /** tcp://host:port */
  readonly client: string;
  /** http://host:port */
  readonly http: string;
}

export interface NodeIdentity {
  readonly id: string;
  /** The addresses actually bound at first start (OS-assigned ports filled in), bound again on restart. */
  readonly bind: Endpoints;
  /** The addresses stored in the Raft configuration for this member. */
  readonly advertise: Endpoints;
  /** The member asked for membership, until this node appears in the configuration. */
  readonly join: string | null;
}

const tcp = z.string().refine((text) => parseTcpAddress(text) !== null, { error: 'is not a tcp:// address' });
const http = z
  .string()
  .refine((text) => parseHttpAddress(text) !== null, { error: 'is not an http:// address' });
const endpointsSchema = z.strictObject({ peer: tcp, client: tcp, http });
const identitySchema = z.strictObject({
  formatVersion: z.literal(identityFormatVersion),
  id: z.string().regex(nodeIdPattern),
  bind: endpointsSchema,
  advertise: endpointsSchema,
  join: z.string().nullable(),
});

/** The identity file is unreadable or damaged: an environment failure the operator must look at. */
export class IdentityFileError extends Error {
  override readonly name = 'IdentityFileError';
}

export function identityPath(dataDir: string): string {
  return join(dataDir, identityFileName);
}

/** The stored identity, or null for a data directory that has none yet. */
export function readIdentity(dataDir: string): NodeIdentity | null {
  const path = identityPath(dataDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new IdentityFileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new IdentityFileError(`${path} is not valid JSON; refusing to guess this node's identity`);
  }
  const parsed = identitySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IdentityFileError(
      `${path} is damaged at "${issue?.path.join('.') ?? ''}": ${issue?.message ?? ''}`,
    );
  }
  const { formatVersion: _formatVersion, ...identity } = parsed.data;
  return identity;
}

/** Replaces the identity file atomically: a crash leaves either the old file or the new one. */
export function writeIdentity(dataDir: string, identity: NodeIdentity): void {
  const path = identityPath(dataDir);
  const temporaryPath = `${path}.tmp`;
  const text = `${JSON.stringify({ formatVersion: identityFormatVersion, ...identity }, null, 2)}\n`;
  const file = openSync(temporaryPath, 'w', 0o644);
  try {
    writeSync(file, text);
    fsyncSync(file);
  } finally {
    closeSync(file);
  }
  renameSync(temporaryPath, path);
  const directory = openSync(dataDir, 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}
