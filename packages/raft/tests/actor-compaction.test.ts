// RaftActor log compaction (paper §7): the leader keeps the entries a follower receiving a snapshot
// needs next, so one transfer brings it up to date even when the log outgrows the threshold meanwhile.
import { describe, expect, it } from 'vitest';
import {
  bootstrapState,
  type Configuration,
  type Entry,
  MemoryLogStorage,
  type Message,
  nodeId,
  RaftActor,
  type ReceivedSnapshot,
  SeededPrng,
  type SnapshotReader,
  type StateMachine,
} from '../src/index.js';
import { bytes, testConfig, text } from './harness.js';

/** Applied commands as strings; a snapshot is their JSON. Counts restores. */
class ListStateMachine implements StateMachine<null, null> {
  values: string[] = [];
  restores = 0;
  private applied = 0;
  private appliedTerm = 0;
  private configuration: Configuration = { members: [] };

  appliedIndex(): number {
    return this.applied;
  }
  apply(entries: readonly Entry[]): null[] {
    for (const entry of entries) {
      if (entry.kind === 'configuration') this.configuration = entry.configuration;
      else if (entry.data.byteLength > 0) this.values.push(text(entry.data));
      this.applied = entry.index;
      this.appliedTerm = entry.term;
    }
    return entries.map(() => null);
  }
  query(): null {
    return null;
  }
  restore(snapshot: ReceivedSnapshot): void {
    const length = snapshot.chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    const data = new Uint8Array(length);
    let offset = 0;
    for (const chunk of snapshot.chunks) {
      data.set(chunk, offset);
      offset += chunk.byteLength;
    }
    this.values = JSON.parse(text(data)) as string[];
    this.applied = snapshot.metadata.index;
    this.appliedTerm = snapshot.metadata.term;
    this.configuration = snapshot.metadata.configuration;
    this.restores += 1;
  }
  openSnapshot(): SnapshotReader {
    const data = bytes(JSON.stringify(this.values));
    return {
      metadata: { index: this.applied, term: this.appliedTerm, configuration: this.configuration },
      readChunk: (offset, maxBytes) => data.subarray(offset, Math.min(data.byteLength, offset + maxBytes)),
      close: () => {},
    };
  }
}

const ids = ['n1', 'n2', 'n3'] as const;

/** Three actors over an in-order network whose links to and from `isolated` can be cut. */
class ActorCluster {
  readonly machines = new Map<string, ListStateMachine>();
  readonly storages = new Map<string, MemoryLogStorage>();
  readonly actors = new Map<string, RaftActor<null, null>>();
  readonly queue: Message[] = [];
  isolated: string | null = null;
  /** Messages this returns true for are lost (e.g. one kind of answer, to reorder what arrives). */
  drop: (message: Message) => boolean = () => false;

  constructor() {
    const configuration = {
      members: ids.map((id) => ({ id: nodeId(id), role: 'voter' as const, address: id })),
    };
    ids.forEach((id, i) => {
      const machine = new ListStateMachine();
      const storage = new MemoryLogStorage(bootstrapState(configuration));
      this.machines.set(id, machine);
      this.storages.set(id, storage);
      this.actors.set(
        id,
        RaftActor.start({
          // Tiny chunks: the transfer spans many round trips, during which the leader keeps writing.
          config: testConfig(id, { checkQuorum: false, preVote: false, snapshotChunkBytes: 8 }),
          storage,
          stateMachine: machine,
          transport: { send: (messages) => this.queue.push(...messages) },
          random: new SeededPrng(11 + i),
          compaction: { thresholdEntries: 4, trailingEntries: 0 },
        }),
      );
    });
  }

  actor(id: string): RaftActor<null, null> {
    return this.actors.get(id)!;
  }

  /** Runs every actor's turns and delivers one round of messages. */
  round(): void {
    for (const actor of this.actors.values()) while (actor.hasWork()) actor.runTurn();
    const messages = this.queue.splice(0);
    for (const message of messages) {
      if (message.from === this.isolated || message.to === this.isolated || this.drop(message)) continue;
      this.actor(message.to).deliver({ type: 'message', message });
    }
    for (const actor of this.actors.values()) while (actor.hasWork()) actor.runTurn();
  }

  tick(id: string): void {
    this.actor(id).deliver({ type: 'tick' });
    this.round();
  }

  /** Ticks the leader until it sends `to` a snapshot (a probe is answered first); bounded. */
  tickUntilSnapshot(leader: string, to: string): void {
    for (let i = 0; i < 5 && this.actor(leader).status().progress?.[to]?.state !== 'snapshot'; i += 1) {
      this.tick(leader);
    }
  }

  propose(id: string, value: string): void {
    this.actor(id).deliver({ type: 'propose', data: bytes(value), onResult: () => {} });
    this.round();
  }
}

/** n1 leads, n3 missed 10 entries the leader compacted away, and the leader is sending n3 a snapshot. */
function snapshotUnderway(): ActorCluster {
  const cluster = new ActorCluster();
  for (let i = 0; i < 40 && cluster.actor('n1').status().role !== 'leader'; i += 1) cluster.tick('n1');
  cluster.isolated = 'n3';
  for (let i = 0; i < 10; i += 1) cluster.propose('n1', `before-${i}`);
  cluster.isolated = null;
  cluster.tickUntilSnapshot('n1', 'n3');
  return cluster;
}

describe('RaftActor compaction and snapshot catch-up (paper §7)', () => {
  it('a follower keeps receiving new entries during its snapshot and needs only that one snapshot', () => {
    const cluster = new ActorCluster();
    for (let i = 0; i < 40 && cluster.actor('n1').status().role !== 'leader'; i += 1) cluster.tick('n1');
    expect(cluster.actor('n1').status().role).toBe('leader');

    // n3 misses entries that the leader then compacts away: it must be sent a snapshot.
    cluster.isolated = 'n3';
    for (let i = 0; i < 10; i += 1) cluster.propose('n1', `before-${i}`);
    expect(cluster.storages.get('n1')!.firstIndex()).toBeGreaterThan(
      cluster.actor('n3').status().lastIndex + 1,
    );
    cluster.isolated = null;

    // Each round trip moves 8 bytes of the snapshot; one proposal per round grows the leader's log
    // past the compaction threshold many times over during the transfer.
    cluster.tickUntilSnapshot('n1', 'n3');
    expect(cluster.actor('n1').status().progress?.n3?.state).toBe('snapshot');
    for (let i = 0; i < 60 && cluster.actor('n1').status().progress?.n3?.state === 'snapshot'; i += 1) {
      cluster.propose('n1', `during-${i}`);
    }
    // Heartbeats carry the leader's commit index to n3.
    for (let i = 0; i < 4; i += 1) cluster.tick('n1');

    const n3 = cluster.machines.get('n3')!;
    expect(n3.restores).toBe(1);
    expect(n3.values).toEqual(cluster.machines.get('n1')!.values);
    expect(cluster.actor('n1').status().progress?.n3?.state).toBe('replicate');
    // Once n3 caught up, the leader compacts again.
    for (let i = 0; i < 6; i += 1) cluster.propose('n1', `after-${i}`);
    expect(cluster.storages.get('n1')!.firstIndex()).toBeGreaterThan(
      cluster.actor('n1').status().appliedIndex - 6,
    );
  });

  it('a follower that stopped answering does not hold compaction back', () => {
    const cluster = snapshotUnderway();
    expect(cluster.actor('n1').status().progress?.n3?.state).toBe('snapshot');
    // n3 goes silent mid-transfer; after two election timeouts it no longer counts as active.
    cluster.isolated = 'n3';
    for (let i = 0; i < 2 * 10 + 1; i += 1) cluster.tick('n1');
    for (let i = 0; i < 10; i += 1) cluster.propose('n1', `while-silent-${i}`);
    const leader = cluster.actor('n1').status();
    expect(leader.progress?.n3?.state).toBe('snapshot');
    expect(leader.lastIndex - leader.firstIndex + 1).toBeLessThanOrEqual(4);
  });

  it('a follower heard within the last election timeout keeps holding compaction when a window starts', () => {
    const cluster = snapshotUnderway();
    const transfer = cluster.actor('n1').status();
    expect(transfer.progress?.n3?.state).toBe('snapshot');
    const snapshotIndex = transfer.appliedIndex; // what the leader's state machine snapshot covers
    // n3 was just heard; its answers are held up until the next check-quorum window has started
    // (at most one election timeout of 10 ticks), when it is no longer "recently active".
    cluster.isolated = 'n3';
    for (let i = 0; i < 10 && cluster.actor('n1').status().progress?.n3?.recentlyActive; i += 1) {
      cluster.tick('n1');
    }
    expect(cluster.actor('n1').status().progress?.n3?.recentlyActive).toBe(false);
    for (let i = 0; i < 10; i += 1) cluster.propose('n1', `while-delayed-${i}`);
    // Heard within the last election timeout: the entries after its snapshot stay.
    expect(cluster.storages.get('n1')!.firstIndex()).toBeLessThanOrEqual(snapshotIndex + 1);
  });

  it('a follower that installed a snapshot keeps the entries it still needs until it caught up', () => {
    const cluster = snapshotUnderway();
    // Let the transfer finish, then cut n3 off before any AppendEntries reaches it.
    for (let i = 0; i < 60 && cluster.actor('n1').status().progress?.n3?.state === 'snapshot'; i += 1) {
      cluster.round();
      if (cluster.actor('n1').status().progress?.n3?.state !== 'snapshot') cluster.isolated = 'n3';
    }
    cluster.isolated = 'n3';
    const n3Match = cluster.actor('n1').status().progress?.n3?.matchIndex ?? 0;
    expect(cluster.machines.get('n3')!.restores).toBe(1);
    // The leader keeps writing (n2 commits) while n3's AppendEntries are held up briefly.
    for (let i = 0; i < 10; i += 1) cluster.propose('n1', `after-snapshot-${i}`);
    expect(cluster.storages.get('n1')!.firstIndex()).toBeLessThanOrEqual(n3Match + 1);
    // Reconnected, it catches up by AppendEntries alone, without a second snapshot.
    cluster.isolated = null;
    for (let i = 0; i < 6; i += 1) cluster.tick('n1');
    expect(cluster.machines.get('n3')!.restores).toBe(1);
    expect(cluster.machines.get('n3')!.values).toEqual(cluster.machines.get('n1')!.values);
    // Caught up: the leader compacts again.
    for (let i = 0; i < 6; i += 1) cluster.propose('n1', `later-${i}`);
    expect(cluster.storages.get('n1')!.firstIndex()).toBeGreaterThan(
      cluster.actor('n1').status().appliedIndex - 6,
    );
  });

  it("holds the entries also when the follower's first append answer overtakes its snapshot answer", () => {
    // Simulator seed 20031: the answer to a heartbeat sent after the install (match = the snapshot's
    // index) reached the leader before the InstallSnapshotResponse that said "done"; the leader
    // left the snapshot state on it without the catch-up hold, compacted past the follower's
    // matchIndex, and sent a second full snapshot (paper §7).
    const cluster = snapshotUnderway();
    cluster.drop = (message) => message.type === 'InstallSnapshotResponse' && message.done;
    for (let i = 0; i < 60 && cluster.machines.get('n3')!.restores === 0; i += 1) cluster.round();
    expect(cluster.machines.get('n3')!.restores).toBe(1);
    // The leader commits more while n3 is unheard, so n3 is behind the commit index when it answers.
    cluster.isolated = 'n3';
    for (let i = 0; i < 3; i += 1) cluster.propose('n1', `meanwhile-${i}`);
    cluster.isolated = null;
    // Only an AppendEntries answer tells the leader n3 holds the snapshot; it moves n3 out of the
    // snapshot state. Then n3 is cut off again before the entries after its snapshot reach it.
    for (let i = 0; i < 5 && cluster.actor('n1').status().progress?.n3?.state === 'snapshot'; i += 1) {
      cluster.tick('n1');
    }
    expect(cluster.actor('n1').status().progress?.n3?.state).not.toBe('snapshot');
    cluster.isolated = 'n3';
    const n3Match = cluster.actor('n1').status().progress?.n3?.matchIndex ?? 0;
    expect(n3Match).toBeLessThan(cluster.actor('n1').status().commitIndex);
    for (let i = 0; i < 10; i += 1) cluster.propose('n1', `after-snapshot-${i}`);
    expect(cluster.storages.get('n1')!.firstIndex()).toBeLessThanOrEqual(n3Match + 1);
    cluster.isolated = null;
    cluster.drop = () => false;
    for (let i = 0; i < 6; i += 1) cluster.tick('n1');
    expect(cluster.machines.get('n3')!.restores).toBe(1);
    expect(cluster.machines.get('n3')!.values).toEqual(cluster.machines.get('n1')!.values);
  });
});
