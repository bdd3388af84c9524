// Bounded waiting for tests and tools that drive real processes: poll a condition until it holds or
// a deadline passes, then fail with what was last seen. Never a sleep used as an assertion.

export interface EventuallyOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Names the condition in the failure message. */
  readonly what: string;
}

/** Calls `probe` until it returns a value other than undefined (errors count as not yet). */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  options: EventuallyOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'nothing yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = 'condition not met';
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what} (last: ${last})`);
    }
    await pause(options.intervalMs ?? 50);
  }
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
