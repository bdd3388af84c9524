// What the dashboard shows, computed in the launcher: polls every member's GET /status (with the
// cluster's token; the page never sees it) a few times a second, derives each member's view (role,
// term, indexes, snapshot, lag, up/down/paused), the events between two polls (elections, leader
// and membership changes, snapshots, members going down or pausing) and per-second rates over
// the last minute. deriveEvents and memberViews are pure, for tests.
import { collectReports, type NodeReport } from './cluster-status.js';
import { type LoadGenerator, percentile } from './load-generator.js';
import { isPaused } from './node-actions.js';
import { isRaftkvd } from './node-processes.js';
import type { NodeEntry } from './state-file.js';

export interface MemberView {
  readonly id: string;
  readonly pid: number | null;
  readonly state: 'up' | 'down' | 'paused';
  readonly role: string | null;
  readonly term: number | null;
  readonly leader: string | null;
  readonly commitIndex: number | null;
  readonly appliedIndex: number | null;
  readonly lastIndex: number | null;
  /** The last index covered by the member's snapshot (its log starts after it). */
  readonly snapshotIndex: number | null;
  /** Entries the member has yet to apply, behind the highest commit index any member knows. */
  readonly lag: number | null;
  readonly http: string;
}

export interface DashboardEvent {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly kind: 'election' | 'leader' | 'membership' | 'snapshot' | 'member' | 'fault' | 'load';
  readonly text: string;
}

/** One second of the chart: commits/s of the cluster, and the built-in load's rates and latencies. */
export interface SecondSample {
  readonly at: number;
  readonly commits: number;
  readonly writes: number;
  readonly reads: number;
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

export interface Snapshot {
  readonly at: number;
  readonly leader: string | null;
  readonly term: number | null;
  readonly members: readonly MemberView[];
  readonly configuration: readonly string[];
  readonly links: ReadonlyArray<{ from: string; to: string; cut: boolean; throttled: boolean }>;
  readonly load: boolean;
  readonly seconds: readonly SecondSample[];
  /** Over the last minute of the built-in load. */
  readonly minute: {
    writesPerSecond: number;
    readsPerSecond: number;
    p50Ms: number | null;
    p99Ms: number | null;
  };
  readonly events: readonly DashboardEvent[];
}

const eventsKept = 200;
const secondsKept = 60;

/** Each member's view from its report; `paused` says which running PIDs are stopped by a signal. */
export function memberViews(reports: readonly NodeReport[], paused: ReadonlySet<string>): MemberView[] {
  const highestCommit = Math.max(0, ...reports.map((report) => report.status?.commitIndex ?? 0));
  return reports.map((report) => {
    const status = report.status;
    const state = paused.has(report.id) ? 'paused' : status === null ? 'down' : 'up';
    return {
      id: report.id,
      pid: report.pid,
      state,
      role: status?.role ?? null,
      term: status?.term ?? null,
      leader: status?.leader?.id ?? null,
      commitIndex: status?.commitIndex ?? null,
      appliedIndex: status?.appliedIndex ?? null,
      lastIndex: status?.lastIndex ?? null,
      snapshotIndex: status === null ? null : Math.max(0, status.firstIndex - 1),
      lag: status === null ? null : Math.max(0, highestCommit - status.appliedIndex),
      http: report.http,
    };
  });
}

/** The leader of the highest term any up member knows a leader in, or null. */
export function currentLeader(members: readonly MemberView[]): { id: string; term: number } | null {
  let best: { id: string; term: number } | null = null;
  for (const member of members) {
    if (member.state !== 'up' || member.role !== 'leader' || member.term === null) continue;
    if (best === null || member.term > best.term) best = { id: member.id, term: member.term };
  }
  return best;
}

/** What changed from `before` to `after` (two polls), as events stamped `at`. */
export function deriveEvents(
  before: { members: readonly MemberView[]; configuration: readonly string[] } | null,
  after: { members: readonly MemberView[]; configuration: readonly string[] },
  at: number,
): DashboardEvent[] {
  const events: DashboardEvent[] = [];
  const event = (kind: DashboardEvent['kind'], text: string): void => {
    events.push({ at, kind, text });
  };
  const leaderAfter = currentLeader(after.members);
  if (before === null) {
    event(
      'leader',
      leaderAfter === null ? 'no leader yet' : `${leaderAfter.id} leads in term ${leaderAfter.term}`,
    );
    return events;
  }
  const termOf = (members: readonly MemberView[]): number =>
    Math.max(0, ...members.map((member) => member.term ?? 0));
  const termBefore = termOf(before.members);
  const termAfter = termOf(after.members);
  if (termAfter > termBefore) {
    const candidates = after.members.filter(
      (member) => member.term === termAfter && (member.role === 'candidate' || member.role === 'leader'),
    );
    const who = candidates.length === 0 ? '' : ` (${candidates.map((member) => member.id).join(', ')})`;
    event('election', `election: term ${termBefore} → ${termAfter}${who}`);
  }
  const leaderBefore = currentLeader(before.members);
  if (leaderBefore?.id !== leaderAfter?.id || leaderBefore?.term !== leaderAfter?.term) {
    event(
      'leader',
      leaderAfter === null
        ? `no leader (was ${leaderBefore?.id ?? 'none'})`
        : `${leaderAfter.id} leads in term ${leaderAfter.term}`,
    );
  }
  if (after.configuration.length > 0 && before.configuration.join(',') !== after.configuration.join(',')) {
    event(
      'membership',
      `members: ${before.configuration.join(', ') || '?'} → ${after.configuration.join(', ')}`,
    );
  }
  for (const member of after.members) {
    const previous = before.members.find((candidate) => candidate.id === member.id);
    if (previous === undefined) continue;
    if (previous.state !== member.state)
      event('member', `${member.id} is ${member.state} (was ${previous.state})`);
    if (
      member.snapshotIndex !== null &&
      previous.snapshotIndex !== null &&
      member.snapshotIndex > previous.snapshotIndex
    ) {
      event('snapshot', `${member.id} snapshot at index ${member.snapshotIndex}`);
    }
  }
  return events;
}

/** Polls the members and keeps the dashboard's picture; `onSnapshot` gets each new picture. */
export class ClusterMonitor {
  private members: MemberView[] = [];
  private configuration: string[] = [];
  private events: DashboardEvent[] = [];
  private seconds: SecondSample[] = [];
  private previous: { members: readonly MemberView[]; configuration: readonly string[] } | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private secondTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private commitAtLastSecond: number | null = null;

  constructor(
    private readonly nodes: () => readonly NodeEntry[],
    private readonly token: string | null,
    private readonly load: LoadGenerator,
    private readonly links: () => Snapshot['links'],
    private readonly onSnapshot: (snapshot: Snapshot) => void,
    private readonly pollMs = 500,
  ) {}

  start(): void {
    this.pollTimer = setInterval(() => void this.poll(), this.pollMs);
    this.secondTimer = setInterval(() => this.tickSecond(), 1000);
    void this.poll();
  }

  stop(): void {
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    if (this.secondTimer !== null) clearInterval(this.secondTimer);
    this.pollTimer = null;
    this.secondTimer = null;
  }

  /** Records something the launcher did (a fault, the load toggled) in the event list. */
  note(kind: DashboardEvent['kind'], text: string): void {
    this.events.push({ at: Date.now(), kind, text });
    this.events = this.events.slice(-eventsKept);
    this.publish();
  }

  leaderHttp(): string | null {
    const leader = currentLeader(this.members);
    return leader === null ? null : (this.members.find((member) => member.id === leader.id)?.http ?? null);
  }

  snapshot(): Snapshot {
    const leader = currentLeader(this.members);
    const loadSeconds = this.seconds.filter((second) => second.writes + second.reads + second.errors > 0);
    const all = this.recentLatencies.flat();
    const span = Math.max(1, this.seconds.length);
    return {
      at: Date.now(),
      leader: leader?.id ?? null,
      term: leader?.term ?? null,
      members: this.members,
      configuration: this.configuration,
      links: this.links(),
      load: this.load.isRunning,
      seconds: this.seconds,
      minute: {
        writesPerSecond: loadSeconds.reduce((sum, second) => sum + second.writes, 0) / span,
        readsPerSecond: loadSeconds.reduce((sum, second) => sum + second.reads, 0) / span,
        p50Ms: percentile(all, 50),
        p99Ms: percentile(all, 99),
      },
      events: this.events,
    };
  }

  private recentLatencies: number[][] = [];

  private async poll(): Promise<void> {
    if (this.polling) return; // a slow poll (a paused member times out) is not stacked
    this.polling = true;
    try {
      const nodes = this.nodes();
      const reports = await collectReports(nodes, this.token);
      const paused = new Set(
        nodes
          .filter((node) => isRaftkvd(node.pid, node.dataDir) && isPaused(node.pid))
          .map((node) => node.id),
      );
      this.members = memberViews(reports, paused);
      const leader = currentLeader(this.members);
      const leaderStatus = reports.find((report) => report.id === leader?.id)?.status;
      if (leaderStatus !== undefined && leaderStatus !== null)
        this.configuration = leaderStatus.members.map((member) =>
          member.role === 'voter' ? member.id : `${member.id} (${member.role})`,
        );
      const now = { members: this.members, configuration: this.configuration };
      for (const event of deriveEvents(this.previous, now, Date.now())) this.events.push(event);
      this.events = this.events.slice(-eventsKept);
      this.previous = now;
      this.publish();
    } finally {
      this.polling = false;
    }
  }

  private tickSecond(): void {
    const commit = Math.max(0, ...this.members.map((member) => member.commitIndex ?? 0));
    const commits = this.commitAtLastSecond === null ? 0 : Math.max(0, commit - this.commitAtLastSecond);
    this.commitAtLastSecond = commit;
    const load = this.load.takeSecond();
    this.recentLatencies.push(load.latenciesMs);
    this.recentLatencies = this.recentLatencies.slice(-secondsKept);
    this.seconds.push({
      at: Date.now(),
      commits,
      writes: load.writes,
      reads: load.reads,
      errors: load.errors,
      p50Ms: percentile(load.latenciesMs, 50),
      p99Ms: percentile(load.latenciesMs, 99),
    });
    this.seconds = this.seconds.slice(-secondsKept);
  }

  private publish(): void {
    this.onSnapshot(this.snapshot());
  }
}
