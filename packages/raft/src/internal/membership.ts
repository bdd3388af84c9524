// A configuration indexed for the questions the core asks on hot paths (is X a voter? how big is a
// quorum?), plus single-server change validation (thesis §4.1, §4.2.1 learners). Pure values.
import type { Configuration, MemberRole, MembershipChange, NodeId } from '../types.js';

export class Membership {
  readonly voters: readonly NodeId[];
  /** Voters needed for a majority (paper §5.2); 0 for an empty configuration. */
  readonly quorum: number;
  private readonly roles = new Map<NodeId, MemberRole>();

  constructor(readonly configuration: Configuration) {
    const voters: NodeId[] = [];
    for (const member of configuration.members) {
      this.roles.set(member.id, member.role);
      if (member.role === 'voter') voters.push(member.id);
    }
    this.voters = voters;
    this.quorum = voters.length === 0 ? 0 : Math.floor(voters.length / 2) + 1;
  }

  roleOf(id: NodeId): MemberRole | undefined {
    return this.roles.get(id);
  }

  isVoter(id: NodeId): boolean {
    return this.roles.get(id) === 'voter';
  }

  has(id: NodeId): boolean {
    return this.roles.has(id);
  }
}

/** The configuration after `change`, or null when the change is invalid against `current`. */
export function applyMembershipChange(current: Membership, change: MembershipChange): Configuration | null {
  const members = current.configuration.members;
  switch (change.type) {
    case 'addLearner':
      if (current.has(change.id)) return null;
      return { members: [...members, { id: change.id, role: 'learner', address: change.address }] };
    case 'promoteLearner':
      if (current.roleOf(change.id) !== 'learner') return null;
      return {
        members: members.map((member) => (member.id === change.id ? { ...member, role: 'voter' } : member)),
      };
    case 'removeMember': {
      const role = current.roleOf(change.id);
      if (role === undefined) return null;
      if (role === 'voter' && current.voters.length === 1) return null;
      return { members: members.filter((member) => member.id !== change.id) };
    }
  }
}
