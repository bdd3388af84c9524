// The seeded fault schedule: same seed same plan, every family in each round, pauses longer than an
// election timeout, membership alternating add/remove, nothing past the run's duration.
import { describe, expect, it } from 'vitest';
import { type FaultPlanOptions, faultFamilies, parseFaultFamilies, planFaults } from '../src/fault-plan.js';

const options = (seed: number, overrides: Partial<FaultPlanOptions> = {}): FaultPlanOptions => ({
  seed,
  durationMs: 300_000,
  families: [...faultFamilies],
  electionTimeoutMs: 1000,
  warmupMs: 5000,
  quietMs: [2000, 4000],
  ...overrides,
});

describe('planFaults', () => {
  it('draws the same schedule from the same seed and another from another seed (seeds 7, 8)', () => {
    expect(planFaults(options(7))).toEqual(planFaults(options(7)));
    expect(planFaults(options(7))).not.toEqual(planFaults(options(8)));
  });

  it('covers every family in each round (one fault per family) and keeps every fault inside the duration', () => {
    for (const seed of [1, 2, 3, 42]) {
      const plan = planFaults(options(seed));
      const round = plan.slice(0, faultFamilies.length);
      expect(new Set(round.map((fault) => fault.family))).toEqual(new Set(faultFamilies));
      for (const fault of plan) expect(fault.atMs + fault.holdMs).toBeLessThanOrEqual(300_000);
      expect(plan[0]?.atMs).toBe(5000);
    }
  });

  it('starts faults one after another with a quiet gap between them', () => {
    const plan = planFaults(options(5));
    for (let index = 1; index < plan.length; index += 1) {
      const previous = plan[index - 1]!;
      expect(plan[index]!.atMs - (previous.atMs + previous.holdMs)).toBeGreaterThanOrEqual(2000);
    }
  });

  it('holds a leader pause longer than an election timeout', () => {
    const pauses = planFaults(options(11)).filter((fault) => fault.kind === 'pause-leader');
    expect(pauses.length).toBeGreaterThan(0);
    for (const fault of pauses) expect(fault.holdMs).toBeGreaterThan(1000);
  });

  it('holds a throttle for more than the 3 election timeouts in which its recovery is measured', () => {
    const throttles = planFaults(options(11)).filter((fault) => fault.kind === 'throttle-leader');
    expect(throttles.length).toBeGreaterThan(0);
    for (const fault of throttles) expect(fault.holdMs).toBeGreaterThanOrEqual(4000);
  });

  it('alternates adding a node with removing one (a random node or the leader)', () => {
    const membership = planFaults(options(3, { families: ['membership'] })).map((fault) => fault.kind);
    expect(membership.length).toBeGreaterThan(6);
    membership.forEach((kind, index) => {
      if (index % 2 === 0) expect(kind).toBe('add-node');
      else expect(kind).toMatch(/^remove-(node|leader)$/);
    });
    expect(new Set(membership)).toEqual(new Set(['add-node', 'remove-node', 'remove-leader']));
  });

  it('uses every kind of a family over a long run', () => {
    const kinds = new Set(planFaults(options(9, { durationMs: 900_000 })).map((fault) => fault.kind));
    for (const kind of [
      'kill-leader',
      'kill-random',
      'kill-minority',
      'kill-all',
      'isolate-leader',
      'bridge',
      'one-way-cut',
      'flapping',
      'split-majority-minority',
      'throttle-leader',
    ]) {
      expect(kinds).toContain(kind);
    }
  });
});

describe('parseFaultFamilies', () => {
  it('reads all, a comma list, and refuses unknown names', () => {
    expect(parseFaultFamilies('all')).toEqual([...faultFamilies]);
    expect(parseFaultFamilies('kill, partition')).toEqual(['kill', 'partition']);
    expect(parseFaultFamilies('kill,meteor')).toBeNull();
    expect(parseFaultFamilies('')).toBeNull();
  });
});
