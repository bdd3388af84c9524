// Exactly-once client sessions (thesis §6.3): a request (client id, sequence) that is proposed again
// after a timeout or an unknown outcome changes state at most once in the applied history — every
// node's apply of a later copy, and every answer the client gets for it, is the first result. Only observes.
import type { KvApplyResult, KvCommand } from '@raftkv/kv';
import type { LogIndex, NodeId } from '@raftkv/raft';
import { resultText, sameResult } from '../kv-text.js';
import type { AppliedEntry, AppliedHistory } from './applied-history.js';
import type { Violations } from './violations.js';

interface FirstEffect {
  readonly index: LogIndex;
  readonly result: KvApplyResult;
}

const requestOf = (command: KvCommand | null): string | null =>
  command?.session === undefined ? null : `${command.session.clientId}#${command.session.sequence}`;

export class ExactlyOnceChecker {
  /** Request → the entry whose apply changed state for it, with its result. */
  private readonly firstEffects = new Map<string, FirstEffect>();
  private answersChecked = 0;

  constructor(
    private readonly violations: Violations,
    history: AppliedHistory,
  ) {
    history.onNewEntry((entry) => this.onNewEntry(entry));
    history.onNodeApplied((id, known, result) => this.onNodeApplied(id, known, result));
  }

  /** Answers compared with the request's first result. */
  get answers(): number {
    return this.answersChecked;
  }

  /** An answer the client received for `clientId#sequence`, from the entry at `index`. */
  onAnswer(clientId: string, sequence: number, node: NodeId, index: LogIndex, result: KvApplyResult): void {
    const request = `${clientId}#${sequence}`;
    const first = this.firstEffects.get(request);
    this.answersChecked += 1;
    if (first === undefined || index < first.index || sameResult(result, first.result)) return;
    this.violations.report(
      'exactly-once',
      `${node} answered request ${request} from index ${index} with ${resultText(result)}, ` +
        `but its first result (index ${first.index}) was ${resultText(first.result)}`,
    );
  }

  private onNewEntry(entry: AppliedEntry): void {
    const request = requestOf(entry.command);
    if (request === null || !entry.mutated) return;
    const first = this.firstEffects.get(request);
    if (first === undefined) {
      this.firstEffects.set(request, { index: entry.index, result: entry.result });
      return;
    }
    this.violations.report(
      'exactly-once',
      `request ${request} changed state twice: at index ${first.index} and again at index ${entry.index}`,
    );
  }

  private onNodeApplied(id: NodeId, known: AppliedEntry, result: KvApplyResult): boolean {
    const request = requestOf(known.command);
    if (request === null) return true;
    const first = this.firstEffects.get(request);
    if (first === undefined || known.index <= first.index || sameResult(result, first.result)) return true;
    this.violations.report(
      'exactly-once',
      `${id} applied request ${request} again at index ${known.index} (result ${resultText(result)}), ` +
        `though index ${first.index} already applied it (result ${resultText(first.result)})`,
    );
    return false;
  }
}
