// What the dashboard shows, computed in the launcher: polls every member's GET /status (with the
// cluster's token; the page never sees it) a few times a second, derives each member's view (role,
// term, indexes, snapshot, lag, up/down/paused), the events between two polls (elections, leader
// and membership changes, snapshots, members going down or pausing) and per-second rates over
// the last minute, and the timeline of the last minutes (faults, leaders, member states) drawn by
// @raftkv/timeline as the chaos runs draw theirs. deriveEvents and memberViews are pure, for tests.
import { colours, type Lane, type LeaderChange, leaderSpans, renderLanes, type Span } from '@raftkv/timeline';
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
  /** The last minutes as SVG: faults, who led, each member up/down/paused. */
  readonly timelineSvg: string;
}

const eventsKept = 200;
const timelineMs = 5 * 60_000;
const publishEveryMs = 1000;
const timelineWidth = 1300;
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
  private publishTimer: NodeJS.Timeout | null = null;
  private publishedAt = 0;
  private readonly leaderHistory: LeaderChange[] = [];
  private readonly memberHistory = new Map<string, Array<{ at: number; state: MemberView['state'] }>>();
  private readonly faultSpans: Array<{
    lane: 'partition' | 'gray';
    start: number;
    end: number | null;
    title: string;
  }> = [];

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
    if (this.publishTimer !== null) clearTimeout(this.publishTimer);
    this.publishTimer = null;
    this.pollTimer = null;
    this.secondTimer = null;
  }

  /** Records something the launcher did (a fault, the load toggled) in the event list. */
  note(kind: DashboardEvent['kind'], text: string): void {
    this.events.push({ at: Date.now(), kind, text });
    this.events = this.events.slice(-eventsKept);
    this.publish();
  }

  /** A network fault began: it shows on the timeline until `healed`. */
  faultStarted(lane: 'partition' | 'gray', title: string): void {
    this.faultSpans.push({ lane, start: Date.now(), end: null, title });
  }

  healed(): void {
    const now = Date.now();
    for (const span of this.faultSpans) if (span.end === null) span.end = now;
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
      timelineSvg: this.timelineSvg(Date.now()),
    };
  }

  private timelineSvg(now: number): string {
    const from = now - timelineMs;
    const faults = (lane: 'partition' | 'gray'): Span[] =>
      this.faultSpans
        .filter((span) => span.lane === lane)
        .map((span) => ({ start: span.start, end: span.end ?? now, fill: colours[lane], title: span.title }));
    const lanes: Lane[] = [
      { label: 'partition', spans: faults('partition') },
      { label: 'throttle', spans: faults('gray') },
      { label: 'leader', spans: leaderSpans(this.leaderHistory, now) },
      ...[...this.memberHistory].map(([id, history]) => ({
        label: id,
        spans: history.map((change, index) => ({
          start: change.at,
          end: history[index + 1]?.at ?? now,
          fill: change.state === 'up' ? colours.up : colours[change.state],
          title: `${id} ${change.state}`,
        })),
      })),
    ];
    const drawn = renderLanes(lanes, {
      from,
      to: now,
      width: timelineWidth,
      labelWidth: 80,
      rowHeight: 16,
      tickEveryMs: 30_000,
      tickLabel: (at) => new Date(at).toTimeString().slice(0, 8),
    });
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${timelineWidth}" height="${drawn.bottom + 6}">${drawn.markup}</svg>`;
  }

  private record(at: number): void {
    const leader = currentLeader(this.members);
    const last = this.leaderHistory.at(-1);
    if (
      last === undefined ||
      last.leaderId !== (leader?.id ?? null) ||
      (leader !== null && last.term !== leader.term)
    )
      this.leaderHistory.push({ at, leaderId: leader?.id ?? null, term: leader?.term ?? last?.term ?? 0 });
    for (const member of this.members) {
      const history = this.memberHistory.get(member.id) ?? [];
      if (history.at(-1)?.state !== member.state) history.push({ at, state: member.state });
      this.memberHistory.set(member.id, history);
    }
    // Keep what the window can still show, plus the change that reaches into it.
    const horizon = at - timelineMs;
    while (this.leaderHistory.length > 1 && this.leaderHistory[1]!.at < horizon) this.leaderHistory.shift();
    for (const history of this.memberHistory.values())
      while (history.length > 1 && history[1]!.at < horizon) history.shift();
    while (this.faultSpans.length > 0 && (this.faultSpans[0]!.end ?? at) < horizon) this.faultSpans.shift();
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
      this.record(Date.now());
      this.previous = now;
      this.publish();
    } catch (error) {
      // An unreadable state file or /proc entry must not stop the launcher: say so once, poll on.
      const text = `polling failed: ${(error as Error).message}`;
      if (this.events.at(-1)?.text !== text) this.note('member', text);
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

  /** Pushes at most once a second (the page's cost is its redraws), the latest picture each time. */
  private publish(): void {
    if (this.publishTimer !== null) return;
    const wait = Math.max(0, this.publishedAt + publishEveryMs - Date.now());
    this.publishTimer = setTimeout(() => {
      this.publishTimer = null;
      this.publishedAt = Date.now();
      this.onSnapshot(this.snapshot());
    }, wait);
  }
}
