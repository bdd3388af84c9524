// Where checkers report safety and liveness violations. A report never throws: the simulation
// stops at the end of the current step and returns every violation with the seed.

export type CheckerName =
  | 'election-safety'
  | 'vote-durability'
  | 'log-matching'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'acknowledged-proposals'
  | 'linearizable-reads'
  | 'durability'
  | 'exactly-once'
  | 'linearizability'
  | 'liveness'
  | 'assertion'
  | 'exception';

export interface Violation {
  readonly checker: CheckerName;
  readonly message: string;
  readonly step: number;
}

export class Violations {
  private readonly found: Violation[] = [];
  /** The current simulation step, stamped on every report. */
  step = 0;

  get any(): boolean {
    return this.found.length > 0;
  }

  get all(): readonly Violation[] {
    return this.found;
  }

  report(checker: CheckerName, message: string): void {
    this.found.push({ checker, message, step: this.step });
  }
}
