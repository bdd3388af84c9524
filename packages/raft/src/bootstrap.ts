// The initial durable state of a brand-new cluster (like hashicorp/raft BootstrapCluster): every
// initial member writes the very same state, so their logs agree from index 1. Pure; no I/O.
import type { Configuration, Entry, HardState } from './types.js';

export interface BootstrapState {
  readonly hardState: HardState;
  readonly entries: readonly Entry[];
}

export type InvalidConfigurationReason = 'no-voter' | 'duplicate-member' | 'empty-member-id';

/** Bad operator input (not a programmer error): the app reports it and refuses to bootstrap. */
export class InvalidConfigurationError extends Error {
  override readonly name = 'InvalidConfigurationError';
  constructor(
    readonly reason: InvalidConfigurationReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * State for each initial member: term 1, no vote, and the configuration as entry 1 (term 1), so
 * the first leader (term ≥ 2) commits it together with its no-op (§8). Same input, same state.
 * Throws InvalidConfigurationError for duplicate or empty ids, or no voter.
 */
export function bootstrapState(configuration: Configuration): BootstrapState {
  validateBootstrapConfiguration(configuration);
  return {
    hardState: { term: 1, votedFor: null, commitIndex: 0 },
    entries: [{ index: 1, term: 1, kind: 'configuration', configuration }],
  };
}

function validateBootstrapConfiguration(configuration: Configuration): void {
  const seen = new Set<string>();
  for (const member of configuration.members) {
    if (member.id.length === 0) {
      throw new InvalidConfigurationError(
        'empty-member-id',
        'bootstrap configuration has an empty member id',
      );
    }
    if (seen.has(member.id)) {
      throw new InvalidConfigurationError(
        'duplicate-member',
        `bootstrap configuration lists member ${member.id} twice`,
      );
    }
    seen.add(member.id);
  }
  if (!configuration.members.some((member) => member.role === 'voter')) {
    throw new InvalidConfigurationError('no-voter', 'bootstrap configuration needs at least one voter');
  }
}
