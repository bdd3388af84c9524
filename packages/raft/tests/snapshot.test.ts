// Paper-clause tests for log compaction and InstallSnapshot (paper §7, thesis ch. 5): chunked
// transfer to a lagging follower, restart from storage, and the follower-side rules.
import { describe, expect, it } from 'vitest';
import type { InstallSnapshot, InstallSnapshotResponse, Message, SnapshotMetadata } from '../src/index.js';
import { bytes, id, SoloNode, TestCluster } from './harness.js';

const snapshotChunks = (messages: readonly Message[]) =>
  messages.filter((message): message is InstallSnapshot => message.type === 'InstallSnapshot');

const snapshotAnswers = (messages: readonly Message[]) =>
  messages.filter(
    (message): message is InstallSnapshotResponse => message.type === 'InstallSnapshotResponse',
  );

/** n3 misses 30 proposals while isolated; n1 and n2 then compact their logs past them. */
function laggingFollowerAfterCompaction(): TestCluster {
  const cluster = new TestCluster({ voters: ['n1', 'n2', 'n3'], config: { snapshotChunkBytes: 16 } });
  cluster.elect('n1');
  cluster.isolate('n3');
  for (let i = 0; i < 30; i += 1) cluster.propose('n1', `value-${i}`);
  cluster.process();
  for (const node of ['n1', 'n2']) {
    const { storage, stateMachine } = cluster.node(node);
    storage.compact(stateMachine.appliedIndex);
  }
  cluster.heal();
  return cluster;
}

describe('snapshots (paper §7)', () => {
  it('a follower behind the compaction point catches up through a chunked InstallSnapshot', () => {
    const cluster = laggingFollowerAfterCompaction();
    cluster.tick(['n1'], 3);
    const chunks = snapshotChunks(cluster.sent);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.every((chunk) => chunk.data.byteLength <= 16)).toBe(true);
    expect(chunks.filter((chunk) => chunk.done).length).toBe(1);
    expect(cluster.node('n3').stateMachine.restored).toBe(1);
    expect(cluster.values('n3')).toEqual(cluster.values('n1'));
    expect(cluster.node('n1').stateMachine.openReaders).toBe(0);
    expect(cluster.raft('n1').status().progress?.n3?.state).toBe('replicate');
    cluster.propose('n1', 'after-snapshot');
    cluster.process();
    expect(cluster.values('n3').at(-1)).toBe('after-snapshot');
  });

  it('after installing, the follower restarts from its storage (snapshot point, later entries)', () => {
    const cluster = laggingFollowerAfterCompaction();
    cluster.tick(['n1'], 3);
    cluster.propose('n1', 'tail');
    cluster.process();
    const before = cluster.raft('n3').status();
    cluster.restart('n3');
    const after = cluster.raft('n3').status();
    expect(after.firstIndex).toBe(before.firstIndex);
    expect(after.lastIndex).toBe(before.lastIndex);
    expect(after.appliedIndex).toBe(before.appliedIndex);
    expect(after.configuration).toEqual(before.configuration);
    cluster.propose('n1', 'after-restart');
    cluster.process();
    expect(cluster.values('n3').slice(-2)).toEqual(['tail', 'after-restart']);
  });

  it('a lost chunk is resent and the transfer resumes at the follower nextOffset', () => {
    const cluster = laggingFollowerAfterCompaction();
    let dropped = 0;
    cluster.filter = (message) => {
      if (message.type === 'InstallSnapshot' && message.offset === 32 && dropped === 0) {
        dropped += 1;
        return false;
      }
      return true;
    };
    cluster.tick(['n1'], 12);
    expect(dropped).toBe(1);
    expect(cluster.values('n3')).toEqual(cluster.values('n1'));
  });

  it('a stale answer from before the follower restarted cannot stall the transfer ahead of the follower', () => {
    // A delayed answer (nextOffset 48) from the follower's previous incarnation reaches the leader
    // after the restarted follower began the transfer again: the leader jumps ahead to 48, and the
    // follower, holding only 16 bytes, answers nextOffset 16. The leader must resume from there
    // (paper §7: the follower writes each chunk at its offset; it can write nothing past a gap).
    const cluster = laggingFollowerAfterCompaction();
    let stale: InstallSnapshotResponse | null = null;
    cluster.filter = (message) => {
      if (message.type !== 'InstallSnapshotResponse' || message.nextOffset !== 48) return true;
      stale = message;
      return false;
    };
    for (let tick = 0; tick < 5 && stale === null; tick += 1) cluster.tick(['n1']);
    expect(stale).not.toBeNull();
    cluster.restart('n3');
    let injected = false;
    cluster.filter = (message) => {
      if (!injected && message.type === 'InstallSnapshotResponse' && message.nextOffset === 16) {
        injected = true;
        cluster.raft('n1').step(stale!);
      }
      return true;
    };
    cluster.tick(['n1'], 30);
    expect(injected).toBe(true);
    expect(cluster.values('n3')).toEqual(cluster.values('n1'));
    expect(cluster.raft('n1').status().progress?.n3?.state).toBe('replicate');
  });

  it('the leader closes the snapshot reader when it steps down mid-transfer', () => {
    const cluster = laggingFollowerAfterCompaction();
    cluster.filter = (message) => message.type !== 'InstallSnapshotResponse';
    cluster.tick(['n1']);
    expect(cluster.node('n1').stateMachine.openReaders).toBe(1);
    cluster.isolate('n1');
    cluster.tick(['n1'], 20);
    expect(cluster.raft('n1').status().role).toBe('follower');
    expect(cluster.node('n1').stateMachine.openReaders).toBe(0);
  });

  it('a follower whose log already covers the snapshot only answers (nothing to install)', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], term: 2 });
    const metadata: SnapshotMetadata = { index: 1, term: 1, configuration: node.raft.status().configuration };
    node.step(chunk(metadata, 0, 'abc', true));
    const ready = node.cycle();
    expect(ready.snapshot).toBeNull();
    expect(snapshotAnswers(ready.messages)[0]).toMatchObject({ done: true, success: true, snapshotIndex: 1 });
  });

  it('a follower accumulates chunks in order, answers nextOffset, and installs when done', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], term: 2 });
    const metadata: SnapshotMetadata = {
      index: 10,
      term: 2,
      configuration: node.raft.status().configuration,
    };
    node.step(chunk(metadata, 0, '["a",', false));
    node.step(chunk(metadata, 9, 'zzz', false));
    node.step(chunk(metadata, 5, '"b"]', true));
    const ready = node.cycle();
    expect(snapshotAnswers(ready.messages).map((answer) => [answer.nextOffset, answer.done])).toEqual([
      [5, false],
      [5, false],
      [9, true],
    ]);
    expect(ready.snapshot?.metadata.index).toBe(10);
    expect(ready.hardState?.commitIndex).toBe(10);
    expect(node.stateMachine.values).toEqual(['a', 'b']);
    expect(node.raft.status()).toMatchObject({
      appliedIndex: 10,
      commitIndex: 10,
      firstIndex: 11,
      lastIndex: 10,
    });
  });

  it('a chunk of a different snapshot that does not start at 0 asks the leader to restart', () => {
    const node = new SoloNode('n2', { voters: ['n1', 'n2', 'n3'], term: 2 });
    const configuration = node.raft.status().configuration;
    node.step(chunk({ index: 10, term: 2, configuration }, 0, 'abc', false));
    node.step(chunk({ index: 12, term: 2, configuration }, 3, 'def', false));
    expect(
      snapshotAnswers(node.messages()).map((answer) => [
        answer.snapshotIndex,
        answer.success,
        answer.nextOffset,
      ]),
    ).toEqual([
      [10, true, 3],
      [12, false, 0],
    ]);
  });
});

function chunk(metadata: SnapshotMetadata, offset: number, data: string, done: boolean): InstallSnapshot {
  return {
    type: 'InstallSnapshot',
    term: 2,
    from: id('n1'),
    to: id('n2'),
    metadata,
    offset,
    data: bytes(data),
    done,
    sequence: 1,
  };
}
