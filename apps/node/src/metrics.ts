// GET /metrics in the Prometheus text exposition format (0.0.4), written by hand: a handful of gauges
// from the node's status and the transports' counters. No registry, no histograms; pure formatting.
import type { NodeStatus } from '@raftkv/raft';

export interface MetricsSnapshot {
  readonly status: NodeStatus;
  /** Counter name (without prefix) → value, e.g. the PeerTransport and ClientEndpoint counters. */
  readonly counters: Readonly<Record<string, number>>;
}

const roles = ['follower', 'preCandidate', 'candidate', 'leader'] as const;

export function formatMetrics(snapshot: MetricsSnapshot): string {
  const { status } = snapshot;
  const labels = `{id="${status.id}"}`;
  const lines: string[] = [];
  const gauge = (name: string, help: string, value: number, extraLabels = labels): void => {
    lines.push(
      `# HELP raftkv_${name} ${help}`,
      `# TYPE raftkv_${name} gauge`,
      `raftkv_${name}${extraLabels} ${value}`,
    );
  };
  gauge('term', 'Current Raft term.', status.term);
  gauge('commit_index', 'Highest log index known to be committed.', status.commitIndex);
  gauge('applied_index', 'Highest log index applied to the state machine.', status.appliedIndex);
  gauge('first_index', 'First index still in the log (after compaction).', status.firstIndex);
  gauge('last_index', 'Last index in the log.', status.lastIndex);
  gauge(
    'members',
    'Members (voters and learners) in the latest configuration.',
    status.configuration.members.length,
  );
  lines.push('# HELP raftkv_role 1 for the role this node has now.', '# TYPE raftkv_role gauge');
  for (const role of roles)
    lines.push(`raftkv_role{id="${status.id}",role="${role}"} ${status.role === role ? 1 : 0}`);
  for (const [name, value] of Object.entries(snapshot.counters)) {
    const metric = `raftkv_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`;
    lines.push(`# TYPE ${metric} counter`, `${metric}${labels} ${value}`);
  }
  return `${lines.join('\n')}\n`;
}
