// The simulator's replicated state machine: string registers in memory that survive simulated
// crashes because the applied index, term and configuration change in the same step as the data.
// apply() may crash the node before it applies anything. Never performs I/O.
import type {
  Configuration,
  Entry,
  LogIndex,
  NodeId,
  ReceivedSnapshot,
  SnapshotMetadata,
  SnapshotReader,
  StateMachine,
  Term,
} from '@raftkv/raft';
import {
  applyCommand,
  decodeCommand,
  decodeRegisters,
  encodeRegisters,
  type RegisterQuery,
  type RegisterResult,
} from './register-commands.js';
import { SimulatedCrash } from './simulated-crash.js';

/** What the checkers learn from each state machine; every hook runs synchronously. */
export interface RegisterMachineObserver {
  onApplied(
    id: NodeId,
    previousAppliedIndex: LogIndex,
    entries: readonly Entry[],
    results: readonly RegisterResult[],
  ): void;
  /** `registers` is null when the snapshot's bytes did not decode. */
  onRestored(id: NodeId, metadata: SnapshotMetadata, registers: ReadonlyMap<string, string> | null): void;
}

const concatenate = (chunks: readonly Uint8Array[]): Uint8Array => {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
};

export class RegisterMachine implements StateMachine<RegisterQuery, RegisterResult> {
  private registers = new Map<string, string>();
  private applied: LogIndex = 0;
  private appliedTerm: Term = 0;
  private configuration: Configuration = { members: [] };

  constructor(
    readonly id: NodeId,
    private readonly shouldCrashBeforeApply: () => boolean,
    private readonly observer: RegisterMachineObserver,
  ) {}

  appliedIndex(): LogIndex {
    return this.applied;
  }

  apply(entries: readonly Entry[]): RegisterResult[] {
    if (this.shouldCrashBeforeApply())
      throw new SimulatedCrash(this.id, 'in apply, before anything was applied');
    const previousAppliedIndex = this.applied;
    const results: RegisterResult[] = [];
    for (const entry of entries) {
      if (entry.kind === 'configuration') {
        this.configuration = entry.configuration;
        results.push(undefined);
      } else {
        const command = decodeCommand(entry.data);
        results.push(command === null ? undefined : applyCommand(this.registers, command));
      }
      this.applied = entry.index;
      this.appliedTerm = entry.term;
    }
    this.observer.onApplied(this.id, previousAppliedIndex, entries, results);
    return results;
  }

  query(query: RegisterQuery): RegisterResult {
    return this.registers.get(query.key);
  }

  restore(snapshot: ReceivedSnapshot): void {
    const registers = decodeRegisters(concatenate(snapshot.chunks));
    this.registers = registers ?? new Map();
    this.applied = snapshot.metadata.index;
    this.appliedTerm = snapshot.metadata.term;
    this.configuration = snapshot.metadata.configuration;
    this.observer.onRestored(this.id, snapshot.metadata, registers);
  }

  openSnapshot(): SnapshotReader {
    const metadata: SnapshotMetadata = {
      index: this.applied,
      term: this.appliedTerm,
      configuration: this.configuration,
    };
    const bytes = encodeRegisters(this.registers);
    return {
      metadata,
      readChunk: (offset: number, maxBytes: number): Uint8Array => bytes.slice(offset, offset + maxBytes),
      close: (): void => {},
    };
  }
}
