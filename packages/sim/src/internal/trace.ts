// The event trace of one run: a digest of every event (two seeded FNV-1a 32-bit lanes, so two runs
// of one seed can be compared) and, when verbose, the lines themselves. Never reads a clock.
import type { Message } from '@raftkv/raft';

export type TraceMode = 'off' | 'digest' | 'verbose';

export class Trace {
  private laneA = 0x811c9dc5;
  private laneB = 0x01000193;
  private count = 0;

  constructor(
    readonly mode: TraceMode,
    private readonly writeLine: (line: string) => void = () => {},
  ) {}

  /** Whether events are recorded at all; callers skip building event text when false. */
  get on(): boolean {
    return this.mode !== 'off';
  }

  get events(): number {
    return this.count;
  }

  record(step: number, text: string): void {
    if (this.mode === 'off') return;
    this.count += 1;
    const line = `${step} ${text}`;
    let a = this.laneA;
    let b = this.laneB;
    for (let i = 0; i < line.length; i += 1) {
      const code = line.charCodeAt(i);
      a = Math.imul(a ^ code, 0x01000193);
      b = Math.imul(b ^ code, 0x01000193) ^ (b >>> 15);
    }
    a = Math.imul(a ^ 10, 0x01000193);
    this.laneA = a;
    this.laneB = b;
    if (this.mode === 'verbose') this.writeLine(line);
  }

  /** 16 hex digits identifying the whole sequence of events so far. */
  digest(): string {
    const hex = (value: number): string => (value >>> 0).toString(16).padStart(8, '0');
    return `${hex(this.laneA)}${hex(this.laneB)}`;
  }
}

/** A short, stable description of a message for the trace. */
export function describeMessage(message: Message): string {
  const head = `${message.from}->${message.to} ${message.type} t${message.term}`;
  switch (message.type) {
    case 'RequestVote':
      return `${head} last=${message.lastLogIndex}/${message.lastLogTerm}${message.preVote ? ' pre' : ''}${message.leadershipTransfer ? ' transfer' : ''}`;
    case 'RequestVoteResponse':
      return `${head} ${message.voteGranted ? 'granted' : 'rejected'}${message.preVote ? ' pre' : ''}`;
    case 'AppendEntries': {
      const entries = message.entries;
      const range =
        entries.length === 0 ? '' : ` [${entries[0]!.index}..${entries[entries.length - 1]!.index}]`;
      return `${head} prev=${message.prevLogIndex}/${message.prevLogTerm}${range} commit=${message.leaderCommit} seq=${message.sequence}`;
    }
    case 'AppendEntriesResponse':
      return `${head} ${message.success ? 'ok' : 'reject'} match=${message.matchIndex} last=${message.lastLogIndex} conflict=${message.conflictIndex}/${message.conflictTerm} seq=${message.sequence}`;
    case 'InstallSnapshot':
      return `${head} snapshot=${message.metadata.index}/${message.metadata.term} offset=${message.offset} bytes=${message.data.length}${message.done ? ' done' : ''}`;
    case 'InstallSnapshotResponse':
      return `${head} snapshot=${message.snapshotIndex} next=${message.nextOffset}${message.done ? ' done' : ''}${message.success ? '' : ' restart'}`;
    case 'TimeoutNow':
      return head;
    case 'ReadIndex':
      return `${head} request=${message.request}`;
    case 'ReadIndexResponse':
      return `${head} request=${message.request} index=${message.index}`;
  }
}
