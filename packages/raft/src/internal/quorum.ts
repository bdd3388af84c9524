// Majority arithmetic over the voters of a configuration (paper §5.2, §5.3): the highest value that
// a quorum has reached, and election tallies. Pure functions; `scratch` avoids per-call garbage.
import type { NodeId } from '../types.js';

/**
 * The largest value v such that at least `quorum` of `values` are ≥ v (the quorum-th largest).
 * Sorts `values` in place. Returns 0 when there are fewer values than the quorum.
 */
export function quorumValue(values: number[], quorum: number): number {
  if (quorum === 0 || values.length < quorum) return 0;
  values.sort(descending);
  return values[quorum - 1]!;
}

const descending = (a: number, b: number): number => b - a;

export type VoteResult = 'won' | 'lost' | 'pending';

/** Counts the votes of `voters` only (learners' and strangers' answers never count). */
export function tallyVotes(
  voters: readonly NodeId[],
  quorum: number,
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === true) granted += 1;
    else if (vote === false) rejected += 1;
  }
  if (granted >= quorum) return 'won';
  if (rejected > voters.length - quorum) return 'lost';
  return 'pending';
}
