// RaftActor reads at a follower (thesis §6.4.1): served from the follower's own state only once it has
// applied the read index the leader confirmed, and failed (so clients retry) when the leader never
// answers. Three actors over an in-memory network with a message filter; synchronous, no timers.
import { setBrokenVariant } from '@raftkv/raft/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bootstrapState,
  MemoryLogStorage,
  type Message,
  type NodeId,
  nodeId,
  RaftActor,
  type ReadResult,
  SeededPrng,
} from '../src/index.js';
import { IndexStateMachine, testConfig } from './harness.js';

class Network {
  readonly actors = new Map<NodeId, RaftActor<null, number>>();
  readonly machines = new Map<NodeId, IndexStateMachine>();
  private queue: Message[] = [];
  /** Return false to drop a message. */
  filter: (message: Message) => boolean = () => true;

  constructor(ids: readonly string[]) {
    const configuration = {
      members: ids.map((id) => ({ id: nodeId(id), role: 'voter' as const, address: id })),
    };
    ids.forEach((text, position) => {
      const id = nodeId(text);
      const machine = new IndexStateMachine();
      this.machines.set(id, machine);
      this.actors.set(
        id,
        RaftActor.start({
          config: testConfig(text),
          storage: new MemoryLogStorage(bootstrapState(configuration)),
          stateMachine: machine,
          transport: { send: (messages) => this.queue.push(...messages) },
          random: new SeededPrng(100 + position),
        }),
      );
    });
  }

  actor(id: string): RaftActor<null, number> {
    return this.actors.get(nodeId(id))!;
  }

  applied(id: string): number {
    return this.machines.get(nodeId(id))!.appliedIndex();
  }

  /** Runs turns and delivers messages until nothing moves. */
  settle(): void {
    for (let round = 0; round < 10_000; round += 1) {
      let moved = false;
      for (const actor of this.actors.values()) {
        while (actor.hasWork()) {
          actor.runTurn();
          moved = true;
        }
      }
      const batch = this.queue;
      this.queue = [];
      for (const message of batch) {
        if (this.filter(message)) this.actor(message.to).deliver({ type: 'message', message });
        moved = true;
      }
      if (!moved) return;
    }
    throw new Error('the network did not settle');
  }

  tick(ids: readonly string[], times = 1): void {
    for (let round = 0; round < times; round += 1) {
      for (const id of ids) this.actor(id).deliver({ type: 'tick' });
      this.settle();
    }
  }

  read(id: string, results: ReadResult<number>[]): void {
    this.actor(id).deliver({ type: 'read', query: null, onResult: (result) => results.push(result) });
  }
}

function electedCluster(): Network {
  const network = new Network(['n1', 'n2', 'n3']);
  for (let round = 0; round < 100 && network.actor('n1').status().role !== 'leader'; round += 1) {
    network.tick(['n1']);
  }
  expect(network.actor('n1').status().role).toBe('leader');
  network.tick(['n1', 'n2', 'n3']);
  return network;
}

afterEach(() => setBrokenVariant(null));

describe('RaftActor reads at a follower (thesis §6.4.1)', () => {
  it('waits until the follower has applied the read index, then serves from its own state', () => {
    const network = electedCluster();
    // n2 stops receiving entries; the leader commits new ones with n3.
    network.filter = (message) => !(message.type === 'AppendEntries' && message.to === 'n2');
    for (let write = 0; write < 3; write += 1) {
      network.actor('n1').deliver({ type: 'propose', data: Uint8Array.of(write), onResult: () => {} });
    }
    network.settle();
    const commitIndex = network.actor('n1').status().commitIndex;
    expect(network.applied('n2')).toBeLessThan(commitIndex);

    const results: ReadResult<number>[] = [];
    network.read('n2', results);
    network.tick(['n1']);
    expect(results).toEqual([]);
    network.filter = () => true;
    network.tick(['n1']);
    expect(results).toEqual([{ ok: true, index: commitIndex, result: network.applied('n2') }]);
    expect(network.applied('n2')).toBeGreaterThanOrEqual(commitIndex);
  });

  it('with the broken variant that serves before applying, the same read returns stale state', () => {
    setBrokenVariant('serve-read-before-applied');
    const network = electedCluster();
    network.filter = (message) => !(message.type === 'AppendEntries' && message.to === 'n2');
    network.actor('n1').deliver({ type: 'propose', data: Uint8Array.of(1), onResult: () => {} });
    network.settle();
    const commitIndex = network.actor('n1').status().commitIndex;
    const results: ReadResult<number>[] = [];
    network.read('n2', results);
    network.tick(['n1']);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ok: true, index: commitIndex });
    expect(results[0]?.ok === true && results[0].result).toBeLessThan(commitIndex);
  });

  it('a read whose read index the leader never sends fails leadership-lost within an election timeout', () => {
    const network = electedCluster();
    network.filter = (message) => message.type !== 'ReadIndexResponse';
    const results: ReadResult<number>[] = [];
    network.read('n2', results);
    network.tick(['n1', 'n2', 'n3'], 9);
    expect(results).toEqual([]);
    network.tick(['n1', 'n2', 'n3'], 2);
    expect(results).toEqual([{ ok: false, reason: 'leadership-lost', leaderHint: 'n1' }]);
    expect(network.actor('n2').status()).toMatchObject({ role: 'follower', leaderId: 'n1' });
  });

  it('answers arriving out of order serve each read once, and only once, its own index is applied', () => {
    const network = electedCluster();
    // n2 gets no entries, and the leader's answers are held back to be delivered reordered.
    const held: Message[] = [];
    network.filter = (message) => {
      if (message.type === 'ReadIndexResponse') {
        held.push(message);
        return false;
      }
      return !(message.type === 'AppendEntries' && message.to === 'n2');
    };
    const results: ReadResult<number>[] = [];
    network.read('n2', results);
    network.tick(['n1']);
    network.actor('n1').deliver({ type: 'propose', data: Uint8Array.of(7), onResult: () => {} });
    network.settle();
    network.read('n2', results);
    network.tick(['n1']);
    expect(held).toHaveLength(2);
    const [first, second] = held as [Message & { index: number }, Message & { index: number }];
    expect(second.index).toBeGreaterThan(first.index);
    network.filter = (message) => !(message.type === 'AppendEntries' && message.to === 'n2');
    for (const message of [second, first]) network.actor('n2').deliver({ type: 'message', message });
    network.settle();
    // n2 has not applied the second index: only the first read, already applied, is served.
    expect(network.applied('n2')).toBeLessThan(second.index);
    expect(network.applied('n2')).toBeGreaterThanOrEqual(first.index);
    expect(results).toEqual([{ ok: true, index: first.index, result: network.applied('n2') }]);
    network.filter = () => true;
    network.tick(['n1']);
    expect(results).toHaveLength(2);
    for (const result of results) {
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.result).toBeGreaterThanOrEqual(result.index);
    }
  });

  it('a node that knows no leader refuses the read not-leader at once', () => {
    const network = new Network(['n1', 'n2', 'n3']);
    const results: ReadResult<number>[] = [];
    network.read('n2', results);
    network.settle();
    expect(results).toEqual([{ ok: false, reason: 'not-leader', leaderHint: null }]);
  });
});
