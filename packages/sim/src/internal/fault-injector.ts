// Seeded crash decisions: crashes between turns, crashes inside storage.persist (before or after
// the write is durable) and inside stateMachine.apply, how long a crashed node stays down, process
// pauses (a node frozen for a while, its state intact); and storage faults: power loss of one node
// (between turns or cut into a sync), of the whole cluster, and bit flips in synced data on at most
// one node per run. Switched off for the liveness phase.
// Pure: draws only from its own PRNGs (storage faults from a second stream, which also decides what
// a power loss keeps).
import type { NodeId, SeededPrng } from '@raftkv/raft';
import type { CrashKnobs, StorageKnobs } from './knobs.js';
import type { DiskFaults, PersistCrash } from './simulated-disk.js';

export class FaultInjector implements DiskFaults {
  private active = true;
  /** The one node whose synced data may rot in this run (the first one a flip hit). */
  private bitFlipNode: NodeId | null = null;

  constructor(
    private readonly random: SeededPrng,
    private readonly knobs: CrashKnobs,
    /** Storage faults, and what each power loss keeps of the unsynced writes. */
    readonly storageRandom: SeededPrng,
    private readonly storage: StorageKnobs,
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

  decidePowerLossInSync(): boolean {
    return this.active && this.storageRandom.chance(this.storage.powerLossInSyncRate);
  }

  decidePowerLossBetweenTurns(): boolean {
    return this.active && this.storageRandom.chance(this.storage.powerLossRatePerNodeStep);
  }

  decideWholeClusterPowerLoss(): boolean {
    return this.active && this.storageRandom.chance(this.storage.wholeClusterPowerLossRatePerStep);
  }

  /** Whether `id`'s synced data rots before its restart; only ever one node per run. */
  decideBitFlip(id: NodeId): boolean {
    if (!this.active || (this.bitFlipNode !== null && this.bitFlipNode !== id)) return false;
    if (!this.storageRandom.chance(this.storage.bitFlipRate)) return false;
    this.bitFlipNode = id;
    return true;
  }
}
