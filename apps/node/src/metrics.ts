// The node's Prometheus metrics (prom-client): Raft state read from the actor's status at scrape
// time, the transports' counters, and Node's standard process metrics (CPU, memory, event loop).
import type { MemberAlarm } from '@raftkv/kv';
import type { NodeStatus } from '@raftkv/raft';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { NoSpaceAlarm } from './no-space-alarm.js';

export interface MetricsSources {
  status(): NodeStatus;
  noSpace(): NoSpaceAlarm | null;
  clusterAlarms(): readonly MemberAlarm[];
  /** Monotonic counters by source ("peer", "client"), e.g. the PeerTransport and ClientEndpoint counters. */
  counters(): Readonly<Record<string, Readonly<Record<string, number>>>>;
}

const roles = ['follower', 'preCandidate', 'candidate', 'leader'] as const;

type StatusNumber = 'term' | 'commitIndex' | 'appliedIndex' | 'firstIndex' | 'lastIndex';

const statusGauges: ReadonlyArray<readonly [name: string, help: string, field: StatusNumber]> = [
  ['raftkv_term', 'Current Raft term.', 'term'],
  ['raftkv_commit_index', 'Highest log index known to be committed.', 'commitIndex'],
  ['raftkv_applied_index', 'Highest log index applied to the state machine.', 'appliedIndex'],
  ['raftkv_first_index', 'First index still in the log (after compaction).', 'firstIndex'],
  ['raftkv_last_index', 'Last index in the log.', 'lastIndex'],
];

export class NodeMetrics {
  private readonly registry = new Registry();

  constructor(id: string, sources: MetricsSources) {
    this.registry.setDefaultLabels({ id });
    collectDefaultMetrics({ register: this.registry });
    for (const [name, help, field] of statusGauges) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(sources.status()[field]);
        },
      });
    }
    new Gauge({
      name: 'raftkv_members',
      help: 'Members (voters and learners) in the latest configuration.',
      registers: [this.registry],
      collect() {
        this.set(sources.status().configuration.members.length);
      },
    });
    new Gauge({
      name: 'raftkv_role',
      help: '1 for the role this node has now, 0 for the others.',
      labelNames: ['role'],
      registers: [this.registry],
      collect() {
        const { role } = sources.status();
        for (const candidate of roles) this.set({ role: candidate }, candidate === role ? 1 : 0);
      },
    });
    new Gauge({
      name: 'raftkv_alarm',
      help: "1 while this member's own alarm is raised (no-space: its disk or LMDB map is full), else 0.",
      labelNames: ['alarm'],
      registers: [this.registry],
      collect() {
        this.set({ alarm: 'no-space' }, sources.noSpace() === null ? 0 : 1);
      },
    });
    new Gauge({
      name: 'raftkv_cluster_alarm',
      help: "1 for each member's alarm active in the cluster's replicated state (no-space: writes that add data are refused).",
      labelNames: ['member', 'alarm'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { member, alarm } of sources.clusterAlarms()) this.set({ member, alarm }, 1);
      },
    });
    new Counter({
      name: 'raftkv_transport_events_total',
      help: 'Transport events by source (peer, client) and event (sent, received, dropped, ...).',
      labelNames: ['source', 'event'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [source, counters] of Object.entries(sources.counters())) {
          for (const [event, value] of Object.entries(counters)) this.inc({ source, event }, value);
        }
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for one scrape. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
