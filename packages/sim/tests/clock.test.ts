// Unit tests of the logical clock: each node ticks once per its own period, with seed-drawn skew.
import { type NodeId, nodeId, SeededPrng } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/internal/clock.js';

const countTicks = (clock: SimulatedClock, id: NodeId, steps: number): number => {
  let ticks = 0;
  for (let step = 1; step <= steps; step += 1) if (clock.takeTick(id, step)) ticks += 1;
  return ticks;
};

describe('SimulatedClock', () => {
  it('ticks a node exactly once every stepsPerTick steps without skew', () => {
    const clock = new SimulatedClock(new SeededPrng(1), 4, 0);
    const id = nodeId('n1');
    clock.register(id);
    expect(clock.periodStepsOf(id)).toBe(4);
    expect(countTicks(clock, id, 400)).toBe(100);
  });

  it('gives nodes periods within stepsPerTick · (1 ± skew), and their tick rates follow', () => {
    const clock = new SimulatedClock(new SeededPrng(2), 4, 0.2);
    const ids = Array.from({ length: 20 }, (_, i) => nodeId(`n${i}`));
    for (const id of ids) clock.register(id);
    const periods = ids.map((id) => clock.periodStepsOf(id));
    expect(periods.every((period) => period >= 3.2 && period <= 4.8)).toBe(true);
    expect(new Set(periods).size).toBe(ids.length);
    for (const id of ids) {
      expect(Math.abs(countTicks(clock, id, 4000) - 4000 / clock.periodStepsOf(id))).toBeLessThanOrEqual(1);
    }
  });

  it('skips the ticks that fell due while a node was not asked (down), without a burst', () => {
    const clock = new SimulatedClock(new SeededPrng(3), 2, 0);
    const id = nodeId('n1');
    clock.register(id);
    let ticks = 0;
    for (let step = 100; step < 110; step += 1) if (clock.takeTick(id, step)) ticks += 1;
    expect(ticks).toBe(5);
  });

  it('never ticks an unregistered node', () => {
    const clock = new SimulatedClock(new SeededPrng(3), 2, 0);
    expect(countTicks(clock, nodeId('ghost'), 50)).toBe(0);
  });
});
