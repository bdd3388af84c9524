// Test harness for the KV state machine: numbers log entries, encodes commands, and builds
// byte keys from strings. Test support only; never imported by src/.
import type { Configuration, Entry, NodeId, ReceivedSnapshot } from '@raftkv/raft';
import {
  type CommandSession,
  encodeCommand,
  type KvApplyResult,
  type KvLimits,
  type KvOperation,
  type KvResult,
  KvStateMachine,
  MemoryKvStore,
  type OperationResult,
} from '../src/index.js';

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);
export const string = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

export const configuration: Configuration = {
  members: [{ id: 'n1' as NodeId, role: 'voter', address: 'tcp://127.0.0.1:1' }],
};

/** A state machine over a MemoryKvStore fed a log that starts with a configuration entry at index 1. */
export class Harness {
  readonly store = new MemoryKvStore();
  readonly machine: KvStateMachine;
  private nextIndex = 1;

  constructor(limits?: KvLimits) {
    this.machine = new KvStateMachine(this.store, limits === undefined ? {} : { limits });
    this.applyEntries([this.configurationEntry()]);
  }

  configurationEntry(members: Configuration = configuration): Entry {
    return { index: this.nextIndex++, term: 1, kind: 'configuration', configuration: members };
  }

  commandEntry(operation: KvOperation, session?: CommandSession): Entry {
    return { index: this.nextIndex++, term: 1, kind: 'command', data: encodeCommand({ operation, session }) };
  }

  rawEntry(data: Uint8Array): Entry {
    return { index: this.nextIndex++, term: 1, kind: 'command', data };
  }

  applyEntries(entries: Entry[]): KvApplyResult[] {
    return this.machine.apply(entries);
  }

  /** Applies one command in its own batch and returns its result. */
  run(operation: KvOperation, session?: CommandSession): KvResult {
    const [result] = this.applyEntries([this.commandEntry(operation, session)]);
    if (result === undefined) throw new Error('a command entry yielded no result');
    return result;
  }

  /** Restores `snapshot` and continues the log after it. */
  restore(snapshot: ReceivedSnapshot): void {
    this.machine.restore(snapshot);
    this.nextIndex = snapshot.metadata.index + 1;
  }

  /** Reads a whole snapshot of this machine in chunks of `chunkBytes`. */
  snapshot(chunkBytes = 16): ReceivedSnapshot {
    const reader = this.machine.openSnapshot();
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (
      let chunk = reader.readChunk(0, chunkBytes);
      chunk.length > 0;
      chunk = reader.readChunk(offset, chunkBytes)
    ) {
      chunks.push(chunk);
      offset += chunk.length;
    }
    reader.close();
    return { metadata: reader.metadata, chunks };
  }

  /** Every pair in the store, session and metadata records included. */
  dump(): Array<[Uint8Array, Uint8Array]> {
    return this.store.range(new Uint8Array(0), null, Number.MAX_SAFE_INTEGER);
  }

  /** Applies `count` leader no-ops (empty command entries). */
  advance(count: number): void {
    const entries: Entry[] = [];
    for (let n = 0; n < count; n++) entries.push(this.rawEntry(new Uint8Array(0)));
    this.applyEntries(entries);
  }
}

/** The operation result of a successful command; fails the test otherwise. */
export function okResult(result: KvResult | undefined): OperationResult {
  if (result === undefined || !result.ok) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result.result;
}

export function errorCode(result: KvResult | undefined): string {
  if (result === undefined || result.ok) throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result.error.code;
}

export const session = (
  clientId: string,
  sequence: number,
  firstUnacknowledgedSequence = 1,
): CommandSession => ({
  clientId,
  sequence,
  firstUnacknowledgedSequence,
});
