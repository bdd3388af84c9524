// The lock service's state machine (the "bring your own state machine" of @raftkv/raft): named locks,
// each held by at most one owner. Commands are JSON; acquire and release are idempotent, so a client
// may retry one whose outcome it did not learn without a session table (thesis §6.3).
import type {
  Configuration,
  Entry,
  ReceivedSnapshot,
  SnapshotMetadata,
  SnapshotReader,
  StateMachine,
} from '@raftkv/raft';

export type LockCommand =
  | { readonly op: 'acquire'; readonly lock: string; readonly owner: string }
  | { readonly op: 'release'; readonly lock: string; readonly owner: string };

/** `ok`: acquired (or already held by this owner) / released; `holder`: who holds the lock after it. */
export type LockResult =
  | { readonly ok: boolean; readonly holder: string | null }
  | { readonly error: 'malformed-command' };

export interface LockQuery {
  readonly lock: string;
}

/** Lock names and owners: 1–128 characters of letters, digits and `._:/-`. */
export const namePattern = /^[A-Za-z0-9._:/-]{1,128}$/;

export function encodeLockCommand(command: LockCommand): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(command));
}

/** The command in `data`, or null when it is not one (every member answers the same way). */
export function decodeLockCommand(data: Uint8Array): LockCommand | null {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { op, lock, owner } = value as Record<string, unknown>;
  if (op !== 'acquire' && op !== 'release') return null;
  if (typeof lock !== 'string' || !namePattern.test(lock)) return null;
  if (typeof owner !== 'string' || !namePattern.test(owner)) return null;
  return { op, lock, owner };
}

export class LockStateMachine implements StateMachine<LockQuery, LockResult | undefined> {
  private readonly holders = new Map<string, string>();
  private applied = { index: 0, term: 0 };
  private configuration: Configuration = { members: [] };

  appliedIndex(): number {
    return this.applied.index;
  }

  apply(entries: readonly Entry[]): (LockResult | undefined)[] {
    return entries.map((entry) => {
      this.applied = { index: entry.index, term: entry.term };
      if (entry.kind === 'configuration') {
        this.configuration = entry.configuration;
        return undefined;
      }
      if (entry.data.length === 0) return undefined; // a new leader's no-op
      const command = decodeLockCommand(entry.data);
      if (command === null) return { error: 'malformed-command' };
      const holder = this.holders.get(command.lock) ?? null;
      if (command.op === 'acquire') {
        if (holder === null) this.holders.set(command.lock, command.owner);
        return { ok: holder === null || holder === command.owner, holder: holder ?? command.owner };
      }
      if (holder !== command.owner) return { ok: false, holder };
      this.holders.delete(command.lock);
      return { ok: true, holder: null };
    });
  }

  query(query: LockQuery): LockResult {
    return { ok: true, holder: this.holders.get(query.lock) ?? null };
  }

  openSnapshot(): SnapshotReader {
    const metadata: SnapshotMetadata = { ...this.applied, configuration: this.configuration };
    const bytes = new TextEncoder().encode(JSON.stringify([...this.holders]));
    return {
      metadata,
      readChunk: (offset, maxBytes) => bytes.subarray(offset, offset + maxBytes),
      close: () => {},
    };
  }

  restore(snapshot: ReceivedSnapshot): void {
    const text = new TextDecoder().decode(Buffer.concat(snapshot.chunks.map((chunk) => Buffer.from(chunk))));
    this.holders.clear();
    for (const [lock, owner] of JSON.parse(text) as [string, string][]) this.holders.set(lock, owner);
    this.applied = { index: snapshot.metadata.index, term: snapshot.metadata.term };
    this.configuration = snapshot.metadata.configuration;
  }
}
