// What every raftkv command shares: the global options, a lazily created KvClient, and writing
// output in the chosen format. Closing it closes the client so the process can exit.
import { KvClient, type RedirectEvent } from '@raftkv/client';
import type { ReadConsistency } from '@raftkv/protocol';
import type { Command } from 'commander';
import { clusterEndpoints, parseEndpoints } from './cluster-endpoints.js';
import type { CliIo } from './io.js';
import { json, type OutputFormat } from './output.js';

export interface GlobalOptions {
  readonly endpoints?: string;
  readonly output: OutputFormat;
  readonly timeout?: number;
  readonly verbose?: boolean;
  readonly consistency?: ReadConsistency;
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
    const endpoints =
      options.endpoints === undefined ? clusterEndpoints(this.io.cwd) : parseEndpoints(options.endpoints);
    this.created = new KvClient({
      endpoints,
      ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout }),
      ...(options.consistency === undefined ? {} : { consistency: options.consistency }),
      onRedirect: (event) => this.onRedirect(event),
    });
    return this.created;
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
