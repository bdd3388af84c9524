// A token bucket (the shaper of tc's tbf): tokens are bytes, refilled at a steady rate up to a burst;
// a byte may pass only with a token. Pure: the caller passes the time in, so tests need no clock.

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly bytesPerSecond: number,
    readonly burstBytes: number,
    nowMs: number,
  ) {
    if (!(bytesPerSecond > 0) || !(burstBytes >= 1)) {
      throw new RangeError(
        `a token bucket needs a positive rate and burst, got ${bytesPerSecond} B/s, ${burstBytes} B`,
      );
    }
    this.tokens = burstBytes;
    this.refilledAt = nowMs;
  }

  /** Takes up to `wanted` tokens now; returns how many bytes may pass (0 when the bucket is empty). */
  take(wanted: number, nowMs: number): number {
    this.refill(nowMs);
    const granted = Math.min(wanted, Math.floor(this.tokens));
    this.tokens -= granted;
    return granted;
  }

  /** Milliseconds from `nowMs` until `bytes` (at most the burst) tokens are available. */
  msUntil(bytes: number, nowMs: number): number {
    this.refill(nowMs);
    const missing = Math.min(bytes, this.burstBytes) - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.bytesPerSecond);
  }

  private refill(nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - this.refilledAt);
    this.tokens = Math.min(this.burstBytes, this.tokens + (elapsedMs * this.bytesPerSecond) / 1000);
    this.refilledAt = Math.max(this.refilledAt, nowMs);
  }
}
