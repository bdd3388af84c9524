// RaftActor's send/persist order: a leader's AppendEntries may leave before its own persist (thesis
// §10.2.1), but votes, responses and any message of a Ready that changes term or vote only after it
// is durable — and then before the apply (persist → send → apply → answer → advance).
import { describe, expect, it } from 'vitest';
import {
  type AppendEntries,
  bootstrapState,
  type Configuration,
  type Entry,
  type HardState,
  type LogIndex,
  MemoryLogStorage,
  type Message,
  nodeId,
  RaftActor,
  type ReceivedSnapshot,
  type RequestVote,
  SeededPrng,
  type SnapshotMetadata,
  type SnapshotReader,
  type StateMachine,
} from '../src/index.js';
import { bytes, testConfig } from './harness.js';

type Event = string;

/** MemoryLogStorage that records each persist into a shared timeline. */
class RecordingStorage extends MemoryLogStorage {
  constructor(
    configuration: Configuration,
    private readonly timeline: Event[],
  ) {
    super(bootstrapState(configuration));
  }
  override persist(update: {
    readonly hardState: HardState | null;
    readonly entries: readonly Entry[];
    readonly snapshot: SnapshotMetadata | null;
  }): void {
    const last = update.entries[update.entries.length - 1]?.index;
    this.timeline.push(`persist term=${update.hardState?.term ?? '-'} last=${last ?? '-'}`);
    super.persist(update);
  }
}

class NullStateMachine implements StateMachine<null, null> {
  readonly appliedEntries: LogIndex[] = [];
  constructor(
    private applied: LogIndex = 0,
    private readonly appliedTerm = 0,
  ) {}
  appliedIndex(): LogIndex {
    return this.applied;
  }
  apply(entries: readonly Entry[]): null[] {
    this.applied = entries[entries.length - 1]?.index ?? this.applied;
    for (const entry of entries) this.appliedEntries.push(entry.index);
    return entries.map(() => null);
  }
  query(): null {
    return null;
  }
  restore(snapshot: ReceivedSnapshot): void {
    this.applied = snapshot.metadata.index;
  }
  /** Only its metadata is read (RaftActor.start checks the state machine is not ahead of the log). */
  openSnapshot(): SnapshotReader {
    return {
      metadata: { index: this.applied, term: this.appliedTerm, configuration: { members: [] } },
      readChunk: () => new Uint8Array(0),
      close: () => {},
    };
  }
}

const n1 = nodeId('n1');
const n2 = nodeId('n2');
const n3 = nodeId('n3');

/** A NullStateMachine that also records each apply into the shared timeline. */
class RecordingStateMachine extends NullStateMachine {
  constructor(private readonly timeline: Event[]) {
    super();
  }
  override apply(entries: readonly Entry[]): null[] {
    this.timeline.push(`apply last=${entries[entries.length - 1]?.index ?? '-'}`);
    return super.apply(entries);
  }
}

function startActor(id: string, configuration: Configuration) {
  const timeline: Event[] = [];
  const sent: Message[] = [];
  const actor = RaftActor.start({
    config: testConfig(id, { preVote: false, checkQuorum: false }),
    storage: new RecordingStorage(configuration, timeline),
    stateMachine: new RecordingStateMachine(timeline),
    transport: {
      send: (messages) => {
        for (const message of messages) {
          sent.push(message);
          timeline.push(`send ${message.type} to ${message.to}`);
        }
      },
    },
    random: new SeededPrng(11),
  });
  const settle = (): void => {
    while (actor.hasWork()) actor.runTurn();
  };
  return { actor, timeline, sent, settle };
}

const threeVoters: Configuration = {
  members: [n1, n2, n3].map((id) => ({ id, role: 'voter' as const, address: id })),
};

/** AppendEntries from leader n1 (term 2) to n2 carrying entry `index`, the log's first entry being term 1. */
const followerAppend = (index: number, leaderCommit: number): AppendEntries => ({
  type: 'AppendEntries',
  term: 2,
  from: n1,
  to: n2,
  prevLogIndex: index - 1,
  prevLogTerm: index - 1 === 1 ? 1 : 2,
  entries: [{ index, term: 2, kind: 'command', data: bytes(`entry ${index}`) }],
  leaderCommit,
  sequence: index,
});

/** Elects n1 in a three-voter cluster by answering its RequestVote from n2. */
function electedLeader() {
  const node = startActor('n1', threeVoters);
  for (let tick = 0; tick < 30 && !node.sent.some((m) => m.type === 'RequestVote'); tick += 1) {
    node.actor.deliver({ type: 'tick' });
    node.settle();
  }
  const request = node.sent.find((m): m is RequestVote => m.type === 'RequestVote')!;
  node.actor.deliver({
    type: 'message',
    message: {
      type: 'RequestVoteResponse',
      term: request.term,
      from: n2,
      to: n1,
      voteGranted: true,
      preVote: false,
    },
  });
  node.settle();
  expect(node.actor.status().role).toBe('leader');
  // Both followers acknowledge the leader's first entry, so their progress leaves the probe state.
  const { lastIndex, term } = node.actor.status();
  for (const append of node.sent.filter((m): m is AppendEntries => m.type === 'AppendEntries')) {
    node.actor.deliver({
      type: 'message',
      message: {
        type: 'AppendEntriesResponse',
        term,
        from: append.to,
        to: n1,
        success: true,
        matchIndex: lastIndex,
        lastLogIndex: lastIndex,
        conflictTerm: 0,
        conflictIndex: 0,
        sequence: append.sequence,
      },
    });
  }
  node.settle();
  expect(node.actor.status().commitIndex).toBe(lastIndex);
  return node;
}

describe('RaftActor persist and send order', () => {
  it('a leader sends AppendEntries with new entries before persisting them (thesis §10.2.1)', () => {
    const leader = electedLeader();
    leader.timeline.length = 0;
    const results: unknown[] = [];
    leader.actor.deliver({ type: 'propose', data: bytes('x'), onResult: (result) => results.push(result) });
    leader.actor.runTurn();
    const lastIndex = leader.actor.status().lastIndex;
    const firstSend = leader.timeline.findIndex((event) => event.startsWith('send AppendEntries'));
    const persist = leader.timeline.indexOf(`persist term=- last=${lastIndex}`);
    expect(firstSend).toBeGreaterThanOrEqual(0);
    expect(persist).toBeGreaterThan(firstSend);
    // Not committed on the leader's own persist alone: a follower's match is still needed.
    leader.settle();
    expect(leader.actor.status().commitIndex).toBeLessThan(lastIndex);
    expect(results).toEqual([]);
  });

  it('a follower answers AppendEntries only after persisting the entries (paper §5.3)', () => {
    const follower = startActor('n2', threeVoters);
    const append: AppendEntries = {
      type: 'AppendEntries',
      term: 2,
      from: n1,
      to: n2,
      prevLogIndex: 1,
      prevLogTerm: 1,
      entries: [{ index: 2, term: 2, kind: 'command', data: bytes('y') }],
      leaderCommit: 1,
      sequence: 1,
    };
    follower.actor.deliver({ type: 'message', message: append });
    follower.settle();
    const persist = follower.timeline.findIndex((event) => event.includes('last=2'));
    const answer = follower.timeline.findIndex((event) => event.startsWith('send AppendEntriesResponse'));
    expect(persist).toBeGreaterThanOrEqual(0);
    expect(answer).toBeGreaterThan(persist);
  });

  it('the answer leaves right after the persist, before the apply (thesis §3.8)', () => {
    const follower = startActor('n2', threeVoters);
    follower.actor.deliver({ type: 'message', message: followerAppend(2, 1) });
    follower.settle();
    follower.timeline.length = 0;
    follower.actor.deliver({ type: 'message', message: followerAppend(3, 2) });
    follower.settle();
    expect(follower.timeline).toEqual([
      'persist term=2 last=3',
      'send AppendEntriesResponse to n1',
      'apply last=2',
    ]);
  });

  it('a candidate sends RequestVote only after persisting its new term and vote (paper fig. 2)', () => {
    const node = startActor('n1', threeVoters);
    for (let tick = 0; tick < 30 && !node.sent.some((m) => m.type === 'RequestVote'); tick += 1) {
      node.actor.deliver({ type: 'tick' });
      node.settle();
    }
    const request = node.timeline.findIndex((event) => event.startsWith('send RequestVote'));
    const persist = node.timeline.findIndex((event) => event.startsWith('persist term=2'));
    expect(persist).toBeGreaterThanOrEqual(0);
    expect(request).toBeGreaterThan(persist);
  });

  it('a leader elected within one Ready sends its first AppendEntries only after persisting its term', () => {
    // A single voter with a learner wins at once: term, vote and AppendEntries share one Ready, so the
    // AppendEntries must wait, or a crash could make n1 forget the term it already replicated in.
    const withLearner: Configuration = {
      members: [
        { id: n1, role: 'voter', address: 'n1' },
        { id: n2, role: 'learner', address: 'n2' },
      ],
    };
    const node = startActor('n1', withLearner);
    for (let tick = 0; tick < 30 && node.actor.status().role !== 'leader'; tick += 1) {
      node.actor.deliver({ type: 'tick' });
      node.settle();
    }
    expect(node.actor.status().role).toBe('leader');
    const persist = node.timeline.findIndex((event) => event.startsWith('persist term=2'));
    const append = node.timeline.findIndex((event) => event.startsWith('send AppendEntries to n2'));
    expect(persist).toBeGreaterThanOrEqual(0);
    expect(append).toBeGreaterThan(persist);
  });
});

describe('RaftActor restart with a state machine behind the log', () => {
  it('re-applies committed entries the state machine lost in a crash, from the durable log', () => {
    // A state machine that does not sync its applies (or keeps its state in memory) may restart
    // behind the durable log and commit index. The log still holds those entries; they are re-applied.
    const single: Configuration = { members: [{ id: n1, role: 'voter', address: 'n1' }] };
    const storage = new MemoryLogStorage(bootstrapState(single));
    const first = RaftActor.start({
      config: testConfig('n1', { preVote: false }),
      storage,
      stateMachine: new NullStateMachine(),
      transport: { send: () => {} },
      random: new SeededPrng(5),
    });
    for (let tick = 0; tick < 30 && first.status().role !== 'leader'; tick += 1) {
      first.deliver({ type: 'tick' });
      while (first.hasWork()) first.runTurn();
    }
    for (const text of ['a', 'b', 'c'])
      first.deliver({ type: 'propose', data: bytes(text), onResult: () => {} });
    while (first.hasWork()) first.runTurn();
    const { commitIndex } = first.status();
    expect(commitIndex).toBeGreaterThanOrEqual(4);

    const behind = new NullStateMachine(2, storage.term(2));
    const restarted = RaftActor.start({
      config: testConfig('n1', { preVote: false }),
      storage,
      stateMachine: behind,
      transport: { send: () => {} },
      random: new SeededPrng(6),
    });
    restarted.deliver({ type: 'tick' });
    while (restarted.hasWork()) restarted.runTurn();
    expect(behind.appliedEntries.slice(0, commitIndex - 2)).toEqual(
      Array.from({ length: commitIndex - 2 }, (_, offset) => 3 + offset),
    );
    expect(behind.appliedIndex()).toBeGreaterThanOrEqual(commitIndex);
  });
});
