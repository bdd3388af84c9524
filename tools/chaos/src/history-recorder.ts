// Records every client operation of a chaos run: who, what, when it was invoked and completed (ms
// since the run started, one clock for all), and how it ended: ok with its result, failed
// definitely, or unknown. Converts to the checker's history. Holds no client and no policy.
import type { KvInput, KvOperation, KvResult, Outcome } from '@raftkv/sim';

export interface RecordedOperation {
  readonly process: string;
  readonly input: KvInput;
  readonly invokedAt: number;
  /** When the client saw the outcome (also for failed and unknown ones, for the timeline). */
  readonly completedAt: number;
  readonly outcome: Outcome<KvResult>;
  /** The client error code for failed and unknown outcomes. */
  readonly error: string | null;
}

export class HistoryRecorder {
  private readonly recorded: RecordedOperation[] = [];

  constructor(private readonly now: () => number) {}

  /** Marks an invocation; call the returned function exactly once with how it ended. */
  invoke(process: string, input: KvInput): (outcome: Outcome<KvResult>, error?: string) => RecordedOperation {
    const invokedAt = this.now();
    return (outcome, error) => {
      const operation: RecordedOperation = {
        process,
        input,
        invokedAt,
        completedAt: this.now(),
        outcome,
        error: error ?? null,
      };
      this.recorded.push(operation);
      return operation;
    };
  }

  get operations(): readonly RecordedOperation[] {
    return this.recorded;
  }
}

/** The checker's history: unknown outcomes carry no completion (they may take effect any time after). */
export function toCheckerHistory(operations: readonly RecordedOperation[]): KvOperation[] {
  return operations.map((operation) =>
    operation.outcome.status === 'unknown'
      ? {
          process: operation.process,
          input: operation.input,
          invokedAt: operation.invokedAt,
          outcome: operation.outcome,
        }
      : {
          process: operation.process,
          input: operation.input,
          invokedAt: operation.invokedAt,
          completedAt: operation.completedAt,
          outcome: operation.outcome,
        },
  );
}

/** Whether the operation may change state (everything but get). */
export const isWrite = (input: KvInput): boolean => input.type !== 'get';
