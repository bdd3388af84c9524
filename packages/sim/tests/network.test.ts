// Unit tests of the simulated network and the partition schedule: loss, duplication, delay and
// reordering, symmetric and one-way cuts, flapping, and determinism from the seed.
import { type AppendEntries, type Message, type NodeId, nodeId, SeededPrng } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import type { NetworkKnobs, PartitionKnobs } from '../src/internal/knobs.js';
import { type DeliveryGate, SimulatedNetwork } from '../src/internal/network.js';
import { PartitionSchedule, partitionOf } from '../src/internal/partitions.js';

const n1 = nodeId('n1');
const n2 = nodeId('n2');
const n3 = nodeId('n3');

const heartbeat = (from: NodeId, to: NodeId, sequence: number): AppendEntries => ({
  type: 'AppendEntries',
  term: 1,
  from,
  to,
  prevLogIndex: 0,
  prevLogTerm: 0,
  entries: [],
  leaderCommit: 0,
  sequence,
});

const reliable: NetworkKnobs = {
  lossRate: 0,
  duplicationRate: 0,
  delayStepsMin: 1,
  delayStepsMax: 1,
  longDelayShare: 0,
  longDelayStepsMax: 2,
};

/** Runs the network for `steps` steps and returns what arrived, with the step of arrival. */
function drain(
  network: SimulatedNetwork,
  steps: number,
  isCut: DeliveryGate['isCut'] = () => false,
): Array<{ step: number; message: Message }> {
  const arrived: Array<{ step: number; message: Message }> = [];
  for (let step = 0; step <= steps; step += 1) {
    network.deliverDue(step, {
      isCut,
      deliver: (message) => {
        arrived.push({ step, message });
        return true;
      },
    });
  }
  return arrived;
}

describe('SimulatedNetwork', () => {
  it('delivers every message exactly once after the delay when there are no faults', () => {
    const network = new SimulatedNetwork(new SeededPrng(1), reliable);
    for (let sequence = 0; sequence < 50; sequence += 1) network.send(heartbeat(n1, n2, sequence), 0);
    const arrived = drain(network, 5);
    expect(arrived.map(({ message }) => (message as AppendEntries).sequence)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(arrived.every(({ step }) => step === 1)).toBe(true);
    expect(network.counters).toMatchObject({ sent: 50, delivered: 50, lost: 0, duplicated: 0 });
    expect(network.messagesInFlight).toBe(0);
  });

  it('loses about lossRate of the messages', () => {
    const network = new SimulatedNetwork(new SeededPrng(2), { ...reliable, lossRate: 0.3 });
    for (let sequence = 0; sequence < 2000; sequence += 1) network.send(heartbeat(n1, n2, sequence), 0);
    const arrived = drain(network, 3);
    expect(arrived.length).toBe(2000 - network.counters.lost);
    expect(network.counters.lost).toBeGreaterThan(500);
    expect(network.counters.lost).toBeLessThan(700);
  });

  it('duplicates messages at duplicationRate, each copy delivered', () => {
    const network = new SimulatedNetwork(new SeededPrng(3), { ...reliable, duplicationRate: 0.5 });
    for (let sequence = 0; sequence < 1000; sequence += 1) network.send(heartbeat(n1, n2, sequence), 0);
    const arrived = drain(network, 3);
    expect(network.counters.duplicated).toBeGreaterThan(400);
    expect(arrived.length).toBe(1000 + network.counters.duplicated);
  });

  it('reorders messages when delays differ, and never delivers before delayStepsMin', () => {
    const network = new SimulatedNetwork(new SeededPrng(4), {
      ...reliable,
      delayStepsMin: 2,
      delayStepsMax: 9,
    });
    for (let sequence = 0; sequence < 100; sequence += 1) network.send(heartbeat(n1, n2, sequence), 0);
    const arrived = drain(network, 20);
    const order = arrived.map(({ message }) => (message as AppendEntries).sequence);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    expect(arrived.every(({ step }) => step >= 2 && step <= 9)).toBe(true);
    expect(arrived).toHaveLength(100);
  });

  it('drops messages across a cut link at delivery time and counts them', () => {
    const network = new SimulatedNetwork(new SeededPrng(5), reliable);
    network.send(heartbeat(n1, n2, 1), 0);
    network.send(heartbeat(n2, n1, 2), 0);
    const arrived = drain(network, 3, (from, to) => from === n1 && to === n2);
    expect(arrived.map(({ message }) => message.from)).toEqual([n2]);
    expect(network.counters.droppedByPartition).toBe(1);
  });

  it('counts messages to a node that is down as dropped', () => {
    const network = new SimulatedNetwork(new SeededPrng(6), reliable);
    network.send(heartbeat(n1, n2, 1), 0);
    network.deliverDue(1, { isCut: () => false, deliver: () => false });
    expect(network.counters).toMatchObject({ delivered: 0, droppedNodeDown: 1 });
  });

  it('stops losing and duplicating after stopLossAndDuplication', () => {
    const network = new SimulatedNetwork(new SeededPrng(7), {
      ...reliable,
      lossRate: 0.9,
      duplicationRate: 0.9,
    });
    network.stopLossAndDuplication();
    for (let sequence = 0; sequence < 100; sequence += 1) network.send(heartbeat(n1, n2, sequence), 0);
    expect(drain(network, 3)).toHaveLength(100);
  });

  it('delays a share of the messages long, past delayStepsMax up to longDelayStepsMax', () => {
    const network = new SimulatedNetwork(new SeededPrng(8), {
      ...reliable,
      delayStepsMax: 3,
      longDelayShare: 0.2,
      longDelayStepsMax: 100,
    });
    for (let sequence = 0; sequence < 1000; sequence += 1) network.send(heartbeat(n1, n2, sequence), 0);
    const arrived = drain(network, 120);
    const late = arrived.filter(({ step }) => step > 3);
    expect(arrived).toHaveLength(1000);
    expect(late.length).toBe(network.counters.delayedLong);
    expect(late.length).toBeGreaterThan(150);
    expect(late.length).toBeLessThan(250);
    expect(late.every(({ step }) => step >= 4 && step <= 100)).toBe(true);
    expect(late.some(({ step }) => step > 60)).toBe(true);
  });

  it('stops delaying long after stopLongDelays; messages already in flight still arrive', () => {
    const network = new SimulatedNetwork(new SeededPrng(9), {
      ...reliable,
      longDelayShare: 1,
      longDelayStepsMax: 50,
    });
    network.send(heartbeat(n1, n2, 1), 0);
    network.stopLongDelays();
    for (let sequence = 2; sequence < 100; sequence += 1) network.send(heartbeat(n1, n2, sequence), 0);
    const arrived = drain(network, 60);
    expect(arrived).toHaveLength(99);
    expect(
      arrived.filter(({ step }) => step > 1).map(({ message }) => (message as AppendEntries).sequence),
    ).toEqual([1]);
  });

  it('makes the same decisions for the same seed', () => {
    const run = (): number[] => {
      const network = new SimulatedNetwork(new SeededPrng(99), {
        lossRate: 0.2,
        duplicationRate: 0.1,
        delayStepsMin: 1,
        delayStepsMax: 6,
        longDelayShare: 0.1,
        longDelayStepsMax: 60,
      });
      for (let sequence = 0; sequence < 200; sequence += 1) network.send(heartbeat(n1, n2, sequence), 0);
      return drain(network, 70).map(({ step, message }) => step * 1000 + (message as AppendEntries).sequence);
    };
    expect(run()).toEqual(run());
  });
});

const partitionKnobs: PartitionKnobs = {
  startRatePerStep: 1,
  durationStepsMin: 10,
  durationStepsMax: 20,
  concurrentMax: 1,
};

describe('PartitionSchedule', () => {
  it('a one-way cut blocks only its direction', () => {
    const schedule = new PartitionSchedule(new SeededPrng(1), { ...partitionKnobs, startRatePerStep: 0 });
    schedule.add(partitionOf(1, 'one-way', 0, 10, [[n1, n2]]));
    expect(schedule.isCut(n1, n2, 5)).toBe(true);
    expect(schedule.isCut(n2, n1, 5)).toBe(false);
    expect(schedule.isCut(n1, n3, 5)).toBe(false);
  });

  it('a flapping cut is in force for one period, lifted for the next', () => {
    const schedule = new PartitionSchedule(new SeededPrng(1), { ...partitionKnobs, startRatePerStep: 0 });
    schedule.add(partitionOf(1, 'flapping', 100, 200, [[n1, n2]], 5));
    const cut = [100, 104, 105, 109, 110].map((step) => schedule.isCut(n1, n2, step));
    expect(cut).toEqual([true, true, false, false, true]);
  });

  it('expires partitions at their end step and heals all at once', () => {
    const schedule = new PartitionSchedule(new SeededPrng(1), { ...partitionKnobs, startRatePerStep: 0 });
    schedule.add(partitionOf(1, 'isolate', 0, 10, [[n1, n2]]));
    schedule.add(partitionOf(2, 'isolate', 0, 30, [[n2, n3]]));
    expect(schedule.expire(10).map((partition) => partition.id)).toEqual([1]);
    expect(schedule.isCut(n1, n2, 11)).toBe(false);
    expect(schedule.isCut(n2, n3, 11)).toBe(true);
    schedule.healAll();
    expect(schedule.isCut(n2, n3, 11)).toBe(false);
  });

  it('draws partitions that cut only links among the given nodes, at most concurrentMax at once', () => {
    const schedule = new PartitionSchedule(new SeededPrng(11), partitionKnobs);
    const ids = [n1, n2, n3];
    const first = schedule.maybeStart(0, ids);
    expect(first).not.toBeNull();
    expect(schedule.maybeStart(1, ids)).toBeNull();
    for (const link of first!.cutLinks) {
      const [from, to] = link.split('>');
      expect(ids).toContain(from);
      expect(ids).toContain(to);
      expect(from).not.toBe(to);
    }
    expect(first!.cutLinks.size).toBeGreaterThan(0);
    expect(first!.endStep - first!.startStep).toBeGreaterThanOrEqual(10);
  });

  it('an isolation cuts the node off in both directions', () => {
    for (let seed = 0; seed < 40; seed += 1) {
      const schedule = new PartitionSchedule(new SeededPrng(seed), partitionKnobs);
      const partition = schedule.maybeStart(0, [n1, n2, n3])!;
      if (partition.kind !== 'isolate') continue;
      const isolated = partition.description.split(' ')[1] as NodeId;
      for (const other of [n1, n2, n3].filter((id) => id !== isolated)) {
        expect(schedule.isCut(isolated, other, 0)).toBe(true);
        expect(schedule.isCut(other, isolated, 0)).toBe(true);
      }
      return;
    }
    throw new Error('no seed in 0..39 drew an isolation');
  });
});
