// Seeded generators of valid peer messages for the protocol's property-style tests. Test-only: no
// Math.random, so a failing run replays from the seed it printed.
import {
  type Configuration,
  type Entry,
  type Member,
  type Message,
  type MessageType,
  type NodeId,
  nodeId,
  SeededPrng,
  type SnapshotMetadata,
} from '@raftkv/raft';

export const messageTypes: readonly MessageType[] = [
  'RequestVote',
  'RequestVoteResponse',
  'AppendEntries',
  'AppendEntriesResponse',
  'InstallSnapshot',
  'InstallSnapshotResponse',
  'TimeoutNow',
  'ReadIndex',
  'ReadIndexResponse',
];

export class MessageGenerator {
  private readonly random: SeededPrng;

  constructor(seed: number) {
    this.random = new SeededPrng(seed);
  }

  message(type: MessageType): Message {
    const header = { term: this.counter(), from: this.nodeId(), to: this.nodeId() };
    switch (type) {
      case 'RequestVote':
        return {
          ...header,
          type,
          lastLogIndex: this.counter(),
          lastLogTerm: this.counter(),
          preVote: this.boolean(),
          leadershipTransfer: this.boolean(),
        };
      case 'RequestVoteResponse':
        return { ...header, type, voteGranted: this.boolean(), preVote: this.boolean() };
      case 'AppendEntries':
        return this.appendEntries(header);
      case 'AppendEntriesResponse':
        return {
          ...header,
          type,
          success: this.boolean(),
          matchIndex: this.counter(),
          lastLogIndex: this.counter(),
          conflictTerm: this.counter(),
          conflictIndex: this.counter(),
          sequence: this.counter(),
        };
      case 'InstallSnapshot':
        return {
          ...header,
          type,
          metadata: this.snapshotMetadata(),
          offset: this.counter(),
          data: this.bytes(1024),
          done: this.boolean(),
          sequence: this.counter(),
        };
      case 'InstallSnapshotResponse':
        return {
          ...header,
          type,
          snapshotIndex: this.counter(),
          nextOffset: this.counter(),
          done: this.boolean(),
          success: this.boolean(),
          sequence: this.counter(),
        };
      case 'TimeoutNow':
        return { ...header, type };
      case 'ReadIndex':
        return { ...header, type, request: this.counter() };
      case 'ReadIndexResponse':
        return { ...header, type, request: this.counter(), index: this.counter() };
    }
  }

  /** A contiguous, term-monotonic slice after prevLogIndex, as a leader sends (paper §5.3). */
  private appendEntries(header: { term: number; from: NodeId; to: NodeId }): Message {
    const term = 1 + this.random.nextInt(1000);
    const prevLogIndex = this.random.nextInt(0x1_0000_0000);
    let entryTerm = this.random.nextInt(term + 1);
    const prevLogTerm = entryTerm;
    const entries: Entry[] = [];
    const count = this.random.nextInt(12);
    for (let position = 0; position < count; position += 1) {
      entryTerm += this.random.nextInt(term - entryTerm + 1);
      entries.push(this.entry(prevLogIndex + 1 + position, entryTerm));
    }
    return {
      ...header,
      term,
      type: 'AppendEntries',
      prevLogIndex,
      prevLogTerm,
      entries,
      leaderCommit: this.counter(),
      sequence: this.counter(),
    };
  }

  private entry(index: number, term: number): Entry {
    if (this.random.nextInt(5) === 0) {
      return { index, term, kind: 'configuration', configuration: this.configuration() };
    }
    return { index, term, kind: 'command', data: this.bytes(300) };
  }

  private snapshotMetadata(): SnapshotMetadata {
    return { index: this.counter(), term: this.counter(), configuration: this.configuration() };
  }

  private configuration(): Configuration {
    const members: Member[] = [];
    const count = this.random.nextInt(6);
    for (let position = 0; position < count; position += 1) {
      members.push({
        id: nodeId(`node-${position}.${this.random.nextInt(100)}`),
        role: this.boolean() ? 'voter' : 'learner',
        address: `tcp://127.0.0.1:${this.random.nextInt(65536)}`,
      });
    }
    return { members };
  }

  /** Small numbers, 32-bit numbers and numbers up to 2^53 - 1, to exercise every integer width. */
  counter(): number {
    switch (this.random.nextInt(3)) {
      case 0:
        return this.random.nextInt(200);
      case 1:
        return this.random.nextUint32();
      default:
        return this.random.nextInt(0x20_0000) * 0x1_0000_0000 + this.random.nextUint32();
    }
  }

  private nodeId(): NodeId {
    return nodeId(`n${this.random.nextInt(1000)}`);
  }

  private boolean(): boolean {
    return this.random.nextInt(2) === 1;
  }

  private bytes(lengthMax: number): Uint8Array {
    const bytes = new Uint8Array(this.random.nextInt(lengthMax + 1));
    for (let position = 0; position < bytes.length; position += 1) bytes[position] = this.random.nextInt(256);
    return bytes;
  }

  nextInt(maxExclusive: number): number {
    return this.random.nextInt(maxExclusive);
  }
}
