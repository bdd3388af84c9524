// What every raftkv command shares: the global options, a lazily created KvClient, and writing
// output in the chosen format. Closing it closes the client so the process can exit.
import { resolve } from 'node:path';
import { type ClientSecurity, KvClient, type RedirectEvent } from '@raftkv/client';
import type { ReadConsistency } from '@raftkv/protocol';
import type { Command } from 'commander';
import { readKeyPair, readServerKeys, readTokenFile } from './client-security.js';
import {
  clusterEndpoints,
  localClusterHttpToken,
  localClusterSecurity,
  parseEndpoints,
} from './cluster-endpoints.js';
import { exitUsage } from './exit-codes.js';
import { CliFailure, type CliIo } from './io.js';
import { json, type OutputFormat } from './output.js';

export interface GlobalOptions {
  readonly endpoints?: string;
  readonly output: OutputFormat;
  readonly timeout?: number;
  readonly verbose?: boolean;
  readonly consistency?: ReadConsistency;
  readonly keyFile?: string;
  readonly serverKeys?: string;
  readonly tokenFile?: string;
}

export class CliContext {
  private created: KvClient | null = null;

  constructor(
    private readonly program: Command,
    readonly io: CliIo,
  ) {}

  get options(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  get format(): OutputFormat {
    return this.options.output;
  }

  client(): KvClient {
    if (this.created !== null) return this.created;
    const options = this.options;
    const local = options.endpoints === undefined ? clusterEndpoints(this.io.cwd) : null;
    const endpoints = local?.endpoints ?? parseEndpoints(options.endpoints ?? '');
    const security = this.security(local === null ? localClusterSecurity(this.io.cwd) : local.security);
    this.created = new KvClient({
      endpoints,
      ...(security === null ? {} : { security }),
      ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout }),
      ...(options.consistency === undefined ? {} : { consistency: options.consistency }),
      onRedirect: (event) => this.onRedirect(event),
    });
    return this.created;
  }

  /** --key-file and --server-keys win; else the local cluster's keys, if it has them; else plaintext. */
  private security(local: ClientSecurity | null): ClientSecurity | null {
    const { keyFile, serverKeys } = this.options;
    if (keyFile === undefined && serverKeys === undefined) return local;
    if (keyFile === undefined) throw new CliFailure('--server-keys needs --key-file', exitUsage);
    const keyPair = readKeyPair(resolve(this.io.cwd, keyFile));
    const keys =
      serverKeys === undefined
        ? (local?.serverKeys ?? new Map())
        : readServerKeys(resolve(this.io.cwd, serverKeys));
    return { keyPair, serverKeys: keys };
  }

  /** The bearer token for HTTP calls: --token-file, else the local cluster's, else none. */
  httpToken(): string | null {
    const { tokenFile } = this.options;
    if (tokenFile !== undefined) return readTokenFile(resolve(this.io.cwd, tokenFile));
    return localClusterHttpToken(this.io.cwd);
  }

  /** Writes `tableText()` or the JSON of `value`, as the user asked. */
  print(value: unknown, tableText: () => string): void {
    this.io.stdout(this.format === 'json' ? json(value) : tableText());
  }

  close(): void {
    this.created?.close();
  }

  private onRedirect(event: RedirectEvent): void {
    if (this.options.verbose !== true) return;
    const leader = event.leaderId === null ? '' : ` (leader ${event.leaderId})`;
    this.io.stderr(`raftkv: redirected from ${event.from} to ${event.to}${leader}\n`);
  }
}
