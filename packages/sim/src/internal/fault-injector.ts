// Seeded crash decisions: crashes between turns, crashes inside storage.persist (before or after
// the write is durable) and inside stateMachine.apply, how long a crashed node stays down, and
// process pauses (a node frozen for a while, its state intact).
// Switched off for the liveness phase. Pure: draws only from its own PRNG.
import type { SeededPrng } from '@raftkv/raft';
import type { CrashKnobs } from './knobs.js';
import type { PersistCrash } from './simulated-disk.js';

export class FaultInjector {
  private active = true;

  constructor(
    private readonly random: SeededPrng,
    private readonly knobs: CrashKnobs,
  ) {}

  get faultsActive(): boolean {
    return this.active;
  }

  /** No more crashes from now on (the heal before the liveness phase). */
  stop(): void {
    this.active = false;
  }

  decidePersistCrash(): PersistCrash {
    if (!this.active) return 'none';
    const draw = this.random.nextFloat();
    if (draw < this.knobs.persistCrashBeforeWriteRate) return 'before-write';
    if (draw < this.knobs.persistCrashBeforeWriteRate + this.knobs.persistCrashAfterWriteRate)
      return 'after-write';
    return 'none';
  }

  decideApplyCrash(): boolean {
    return this.active && this.random.chance(this.knobs.applyCrashRate);
  }

  decideCrashBetweenTurns(): boolean {
    return this.active && this.random.chance(this.knobs.crashRatePerNodeStep);
  }

  decidePause(): boolean {
    return (
      this.active &&
      this.knobs.pauseRatePerNodeStep > 0 &&
      this.random.chance(this.knobs.pauseRatePerNodeStep)
    );
  }

  /** From one tick to pauseStepsMax steps: long pauses outlast an election timeout. */
  drawPauseSteps(): number {
    const { downStepsMin, pauseStepsMax } = this.knobs;
    return downStepsMin + this.random.nextInt(Math.max(1, pauseStepsMax - downStepsMin + 1));
  }

  drawDownSteps(): number {
    const { downStepsMin, downStepsMax } = this.knobs;
    return downStepsMin + this.random.nextInt(downStepsMax - downStepsMin + 1);
  }
}
