// DeferredCommitSchedule: the KV store's deferred LMDB writes are committed once the interval has
// passed or the applied bytes pass their bound, and not before either.
import { describe, expect, it } from 'vitest';
import { DeferredCommitSchedule } from '../src/deferred-commit-schedule.js';

const limits = { intervalMs: 1000, bytesMax: 4096 };

describe('DeferredCommitSchedule', () => {
  it('is due once the interval has passed since the last commit, not before', () => {
    const schedule = new DeferredCommitSchedule(10_000, limits);
    expect(schedule.isDue(10_999)).toBe(false);
    expect(schedule.isDue(11_000)).toBe(true);
    schedule.committed(11_000);
    expect(schedule.isDue(11_999)).toBe(false);
    expect(schedule.isDue(12_000)).toBe(true);
  });

  it('is due at once when the applied bytes reach the bound, and a commit resets them', () => {
    const schedule = new DeferredCommitSchedule(0, limits);
    schedule.noteApplied(4000);
    expect(schedule.isDue(1)).toBe(false);
    schedule.noteApplied(96);
    expect(schedule.isDue(1)).toBe(true);
    schedule.committed(2);
    expect(schedule.isDue(3)).toBe(false);
    schedule.noteApplied(4095);
    expect(schedule.isDue(3)).toBe(false);
  });
});
