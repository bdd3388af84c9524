// raftkv's backup commands: `snapshot save FILE` streams a member's backup file over its HTTP API
// into FILE.part, syncs and renames it, then verifies what landed; `snapshot status FILE` verifies a
// file and prints its header. The file format lives in @raftkv/storage; nothing here decides it.
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { get } from 'node:http';
import { dirname, resolve } from 'node:path';
import {
  SnapshotFileError,
  type VerifiedSnapshotFile,
  verifySnapshotFile,
} from '@raftkv/storage/snapshot-file';
import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { exitDamagedFile, exitFailure, exitUsage } from './exit-codes.js';
import { CliFailure } from './io.js';

export function addSnapshotCommands(program: Command, context: CliContext): void {
  const snapshot = program
    .command('snapshot')
    .description('back up the cluster to a file, or check a backup');
  snapshot
    .command('save')
    .description("write a consistent backup of the leader's applied state (or --http's) to FILE")
    .argument('<file>')
    .option('--http <url>', "take it from this member's HTTP address (default: the leader's)")
    .action(async (file: string, options: { http?: string }) => {
      const target = resolve(context.io.cwd, file);
      const source = options.http ?? (await leaderHttpAddress(context));
      const token = context.httpToken();
      await download(`${source.replace(/\/$/, '')}/snapshot`, target, token).catch((error: unknown) => {
        // A bad output path or URL is the user's to fix: a clear message, never a stack trace.
        if (error instanceof CliFailure) throw error;
        throw new CliFailure(`cannot save ${target}: ${(error as Error).message}`, exitFailure);
      });
      const verified = verifyFile(target);
      context.print(summary(target, verified), () => summaryText(target, verified));
    });
  snapshot
    .command('status')
    .description('verify a backup file and print its revision, index, key count, size and checksum')
    .argument('<file>')
    .action((file: string) => {
      const target = resolve(context.io.cwd, file);
      const verified = verifyFile(target);
      context.print(summary(target, verified), () => summaryText(target, verified));
    });
}

async function leaderHttpAddress(context: CliContext): Promise<string> {
  const { members, leaderId } = await context.client().members();
  const leader = members.find((member) => member.id === leaderId);
  const http = leader === undefined ? null : httpOf(leader.address);
  if (http === null)
    throw new CliFailure('the leader has no known HTTP address; name a member with --http <url>', exitUsage);
  return http;
}

/** raftkvd stores each member's address as JSON {peer, client, http}. */
function httpOf(address: string): string | null {
  try {
    const parsed = JSON.parse(address) as { http?: unknown };
    return typeof parsed.http === 'string' ? parsed.http : null;
  } catch {
    return null;
  }
}

/** Streams the answer into FILE.part, fsyncs it, renames it over FILE and syncs the directory. */
async function download(url: string, target: string, token: string | null): Promise<void> {
  const partial = `${target}.part`;
  const descriptor = openSync(partial, 'w');
  let renamed = false;
  try {
    await new Promise<void>((done, fail) => {
      const headers = token === null ? {} : { authorization: `Bearer ${token}` };
      const request = get(url, { headers }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          const hint =
            response.statusCode === 401 ? ' (unauthorized: give the HTTP token with --token-file)' : '';
          fail(new CliFailure(`${url} answered ${response.statusCode}${hint}`, exitFailure));
          return;
        }
        response.on('data', (chunk: Buffer) => {
          for (let written = 0; written < chunk.length; )
            written += writeSync(descriptor, chunk, written, chunk.length - written);
        });
        response.on('end', () => (response.complete ? done() : fail(cut(url))));
        response.on('aborted', () => fail(cut(url)));
        response.on('error', () => fail(cut(url)));
      });
      request.on('error', (error) => fail(new CliFailure(`${url}: ${error.message}`, exitFailure)));
    });
    fsyncSync(descriptor);
    closeSync(descriptor);
    renameSync(partial, target);
    renamed = true;
    syncDirectory(dirname(target));
  } finally {
    if (!renamed) {
      try {
        closeSync(descriptor);
      } catch {}
      rmSync(partial, { force: true });
    }
  }
}

function cut(url: string): CliFailure {
  return new CliFailure(
    `${url}: the member closed the stream before the end; nothing was saved`,
    exitFailure,
  );
}

function syncDirectory(directory: string): void {
  const descriptor = openSync(directory, 'r');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

function verifyFile(path: string): VerifiedSnapshotFile {
  let bytes: Buffer;
  try {
    if (!statSync(path).isFile()) throw new CliFailure(`${path} is not a file`, exitUsage);
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof CliFailure) throw error;
    throw new CliFailure(`${path}: ${(error as Error).message}`, exitUsage);
  }
  try {
    return verifySnapshotFile(bytes);
  } catch (error) {
    if (error instanceof SnapshotFileError)
      throw new CliFailure(`${path} is refused (${error.reason}): ${error.message}`, exitDamagedFile);
    throw error;
  }
}

function summary(path: string, file: VerifiedSnapshotFile): Record<string, unknown> {
  const { revision, index, term, keyCount, clusterId, formatVersion } = file.header;
  return {
    file: path,
    revision,
    index,
    term,
    keyCount,
    clusterId,
    formatVersion,
    sizeBytes: file.sizeBytes,
    sha256: file.checksum,
  };
}

function summaryText(path: string, file: VerifiedSnapshotFile): string {
  const { revision, index, term, keyCount } = file.header;
  return (
    `${path}: ok\n` +
    `revision ${revision}, index ${index}, term ${term}, ${keyCount} keys, ${file.sizeBytes} bytes\n` +
    `sha256 ${file.checksum}\n`
  );
}
