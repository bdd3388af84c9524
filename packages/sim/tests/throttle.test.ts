// Unit tests of link throttling (throttle.ts): a throttled sender's messages queue behind each other
// at a byte budget per step, a full queue drops, other senders are untouched; and seeds with frequent
// leader throttles stay safe and live after the heal.
import { type AppendEntries, type NodeId, nodeId, SeededPrng } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import { runSeed } from '../src/index.js';
import { SimulatedNetwork } from '../src/internal/network.js';
import { type ThrottleKnobs, ThrottleSchedule, wireBytes } from '../src/internal/throttle.js';

const n1 = nodeId('n1');
const n2 = nodeId('n2');
const n3 = nodeId('n3');

const append = (from: NodeId, to: NodeId, payloadBytes: number): AppendEntries => ({
  type: 'AppendEntries',
  term: 1,
  from,
  to,
  prevLogIndex: 0,
  prevLogTerm: 0,
  entries:
    payloadBytes === 0 ? [] : [{ index: 1, term: 1, kind: 'command', data: new Uint8Array(payloadBytes) }],
  leaderCommit: 0,
  sequence: 1,
});

const knobs: ThrottleKnobs = {
  startRatePerStep: 1,
  bytesPerStep: 16,
  durationStepsMin: 100,
  durationStepsMax: 100,
  queueLimitSteps: 20,
};

function throttled(node: NodeId): ThrottleSchedule {
  const schedule = new ThrottleSchedule(new SeededPrng(1), knobs);
  schedule.add({ node, startStep: 0, endStep: 100 });
  return schedule;
}

describe('ThrottleSchedule', () => {
  it('queues a throttled sender’s messages on each link at the byte budget', () => {
    const schedule = throttled(n1);
    const heartbeat = append(n1, n2, 0);
    expect(wireBytes(heartbeat)).toBe(48);
    expect(schedule.departureStep(heartbeat, 10)).toBe(13);
    expect(schedule.departureStep(heartbeat, 10)).toBe(16);
    // A large append: 48 + 16 + 96 bytes = 10 steps, behind the two heartbeats.
    expect(schedule.departureStep(append(n1, n2, 96), 11)).toBe(26);
    expect(schedule.departureStep(heartbeat, 12)).toBe(29);
    // Another link of the same sender has its own queue; other senders are not throttled.
    expect(schedule.departureStep(append(n1, n3, 0), 10)).toBe(13);
    expect(schedule.departureStep(append(n2, n1, 1000), 10)).toBe(10);
  });

  it('drops what would wait longer than the queue limit, and frees up as the link drains', () => {
    const schedule = throttled(n1);
    const big = append(n1, n2, 256); // 320 bytes: 20 steps
    expect(schedule.departureStep(big, 0)).toBe(20);
    expect(schedule.departureStep(big, 0)).toBe(40);
    expect(schedule.departureStep(big, 0)).toBeNull();
    expect(schedule.dropped).toBe(1);
    expect(schedule.departureStep(big, 25)).toBe(60);
  });

  it('starts at most one throttle, on the given target, and expires it', () => {
    const schedule = new ThrottleSchedule(new SeededPrng(2), knobs);
    expect(schedule.maybeStart(5, null)).toBeNull();
    const started = schedule.maybeStart(5, n2);
    expect(started).toEqual({ node: n2, startStep: 5, endStep: 105 });
    expect(schedule.maybeStart(6, n3)).toBeNull();
    expect(schedule.expire(104)).toEqual([]);
    expect(schedule.expire(105)).toEqual([started]);
    expect(schedule.departureStep(append(n2, n1, 0), 200)).toBe(200);
    expect(schedule.startedCount).toBe(1);
  });
});

describe('SimulatedNetwork with a throttle', () => {
  it('delivers a throttled message after its queueing, counts drops, leaves others alone', () => {
    const schedule = throttled(n1);
    const reliable = {
      lossRate: 0,
      duplicationRate: 0,
      delayStepsMin: 1,
      delayStepsMax: 1,
      longDelayShare: 0,
      longDelayStepsMax: 2,
    };
    const network = new SimulatedNetwork(new SeededPrng(1), reliable, schedule);
    const big = append(n1, n2, 256);
    network.send(big, 0);
    network.send(big, 0);
    network.send(big, 0);
    network.send(append(n2, n1, 0), 0);
    const arrivals: Array<[number, string]> = [];
    for (let step = 0; step <= 50; step += 1) {
      network.deliverDue(step, {
        isCut: () => false,
        deliver: (message) => {
          arrivals.push([step, message.from]);
          return true;
        },
      });
    }
    expect(arrivals).toEqual([
      [1, 'n2'],
      [21, 'n1'],
      [41, 'n1'],
    ]);
    expect(network.counters.droppedByThrottle).toBe(1);
  });
});

describe('simulation with frequent leader throttles', () => {
  it('seeds 1..30 stay safe and recover after the heal', () => {
    const seeds = Array.from({ length: 30 }, (_, i) => i + 1);
    console.log(`throttle campaign: seeds ${seeds[0]}..${seeds.at(-1)}`);
    let throttles = 0;
    const failures: string[] = [];
    for (const seed of seeds) {
      const result = runSeed(seed, {
        trace: 'off',
        tuneThrottle: (drawn) => ({ ...drawn, startRatePerStep: 1 / 150 }),
      });
      throttles += result.stats.throttles;
      if (!result.ok || result.stats.recoverySteps === null) {
        failures.push(`seed ${seed}: ${result.failures[0]?.message ?? 'no recovery'}`);
      }
    }
    console.log(`throttle campaign: ${throttles} throttles`);
    expect(failures).toEqual([]);
    expect(throttles).toBeGreaterThan(seeds.length);
  }, 120_000);
});
