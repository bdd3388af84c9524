// raftkv's cluster commands: status (one row per member), alarm list|disarm, members
// list|add|remove|promote, and leader transfer. They print what the nodes report; they make no decisions of their own.
import {
  type KvClient,
  KvClientError,
  type MemberAlarm,
  type MemberStatus,
  type MembersResult,
} from '@raftkv/client';
import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { exitFailure } from './exit-codes.js';
import { CliFailure } from './io.js';
import { table } from './output.js';
import { waitForLeader } from './wait-for-leader.js';

export function addAdminCommands(program: Command, context: CliContext): void {
  program
    .command('status')
    .description(
      'one row per member: id, role, term, commit, applied, lag (leader commit − applied), client, alarm',
    )
    .action(async () => {
      const rows = await context.client().clusterStatus();
      context.print(rows, () => statusTable(rows));
      for (const row of rows) if (!row.ok) context.io.stderr(`raftkv: ${row.id}: ${row.error}\n`);
    });
  const alarm = program.command('alarm').description('no-space alarms (etcdctl alarm list|disarm)');
  alarm
    .command('list')
    .description(
      'one row per alarm: member, alarm, reason, since, cluster (active: recorded, writes that add ' +
        'data are refused), local (raised: the member itself reports it) — none: prints nothing',
    )
    .action(async () => {
      const rows = await context.client().clusterStatus();
      const alarms = alarmRows(rows);
      context.print(alarms, () =>
        alarms.length === 0
          ? ''
          : table(
              ['MEMBER', 'ALARM', 'REASON', 'SINCE', 'CLUSTER', 'LOCAL'],
              alarms.map((row) => [
                row.member,
                row.alarm,
                row.reason,
                row.since,
                row.cluster ? 'active' : '-',
                row.local === null ? '?' : row.local ? 'raised' : '-',
              ]),
            ),
      );
      for (const row of rows) if (!row.ok) context.io.stderr(`raftkv: ${row.id}: ${row.error}\n`);
    });
  alarm
    .command('disarm')
    .description(
      "clear the cluster's no-space alarms (every member's, or one with --member); writes that add " +
        'data resume once none is active. A member still out of space stays stopped until space returns',
    )
    .option('--member <id>', "clear only this member's alarm")
    .action(async (options: { member?: string }) => {
      const remaining = await context.client().alarmDeactivate(options.member ?? null);
      context.print({ alarms: remaining }, () =>
        remaining.length === 0
          ? 'no alarm is active\n'
          : `still active: ${remaining.map((left) => `${left.member} ${left.alarm}(${left.reason})`).join(', ')}\n`,
      );
    });
  addMembersCommands(program, context);
  program
    .command('leader')
    .description('leadership commands')
    .command('transfer')
    .description('hand leadership to a voter and wait until it leads')
    .argument('<id>')
    .action(async (id: string) => {
      const client = context.client();
      if (await maybeTransfer(client, id)) {
        const confirmed = await waitForLeader(client, id, context.options.timeout);
        if (!confirmed)
          throw new CliFailure(
            `the transfer to ${id} was accepted but ${id} is not leading yet`,
            exitFailure,
          );
      }
      context.print({ leaderId: id }, () => `${id} is now the leader\n`);
    });
}

/** Asks for the transfer; false when `id` already leads (the wanted end state, so not a failure). */
async function maybeTransfer(client: KvClient, id: string): Promise<boolean> {
  try {
    await client.transferLeadership(id);
    return true;
  } catch (error) {
    if (error instanceof KvClientError && error.reason === 'already-leader') return false;
    throw error;
  }
}

function addMembersCommands(program: Command, context: CliContext): void {
  const members = program.command('members').description('list or change the cluster membership');
  members
    .command('list')
    .description('the current configuration')
    .action(async () => {
      const result = await context.client().members();
      context.print(result, () => membersTable(result));
    });
  members
    .command('add')
    .description('add a learner (non-voting); promote it once it has caught up')
    .argument('<id>')
    .argument('<addr>', "its peer address tcp://host:port, or raftkvd's JSON {peer, client, http}")
    .option('--client-addr <addr>', 'its client address (stored with the peer address)')
    .option('--http-addr <addr>', 'its HTTP address (stored with the peer address)')
    .action(async (id: string, addr: string, options: { clientAddr?: string; httpAddr?: string }) => {
      const address = memberAddress(addr, options);
      const result = await context.client().addLearner(id, address);
      context.print(
        { id, address, index: result.index },
        () => `added learner ${id} (index ${result.index})\n`,
      );
    });
  members
    .command('promote')
    .description('make a learner a voter')
    .argument('<id>')
    .action(async (id: string) => {
      const result = await context.client().promoteLearner(id);
      context.print({ id, index: result.index }, () => `promoted ${id} (index ${result.index})\n`);
    });
  members
    .command('remove')
    .description('remove a member')
    .argument('<id>')
    .action(async (id: string) => {
      const result = await context.client().removeMember(id);
      context.print({ id, index: result.index }, () => `removed ${id} (index ${result.index})\n`);
    });
}

interface AlarmRow {
  readonly member: string;
  readonly alarm: string;
  readonly reason: string;
  readonly since: string;
  /** Recorded in the cluster's replicated state. */
  readonly cluster: boolean;
  /** Raised by the member itself now; null when it could not be asked. */
  readonly local: boolean | null;
  readonly message?: string;
}

/**
 * The cluster's alarms (as the leader applied them, else as any member did) and the alarms members
 * raised themselves but the cluster has not recorded (yet), ordered by member.
 */
function alarmRows(rows: readonly MemberStatus[]): AlarmRow[] {
  const reachable = rows.filter((row) => row.ok);
  const leader = reachable.find((row) => row.status.role === 'leader');
  const recorded: MemberAlarm[] =
    leader !== undefined ? [...leader.clusterAlarms] : reachable.flatMap((row) => row.clusterAlarms);
  const result = new Map<string, AlarmRow>();
  for (const alarm of recorded) {
    const row = rows.find((candidate) => candidate.id === alarm.member);
    const local = row?.ok === true ? row.alarms.some((raised) => raised.alarm === alarm.alarm) : null;
    result.set(`${alarm.member}/${alarm.alarm}`, { ...alarm, cluster: true, local });
  }
  for (const row of reachable) {
    for (const raised of row.alarms) {
      const key = `${row.id}/${raised.alarm}`;
      if (!result.has(key)) result.set(key, { member: row.id, ...raised, cluster: false, local: true });
    }
  }
  return [...result.values()].sort((left, right) =>
    left.member < right.member ? -1 : left.member > right.member ? 1 : 0,
  );
}

/** The address to store: as given, or raftkvd's JSON form when client/HTTP addresses are added. */
function memberAddress(peer: string, options: { clientAddr?: string; httpAddr?: string }): string {
  if (options.clientAddr === undefined && options.httpAddr === undefined) return peer;
  return JSON.stringify({ peer, client: options.clientAddr ?? null, http: options.httpAddr ?? null });
}

function statusTable(rows: readonly MemberStatus[]): string {
  const leader = rows.find((row) => row.ok && row.status.role === 'leader');
  const leaderCommit = leader?.ok === true ? leader.status.commitIndex : null;
  return table(
    ['ID', 'ROLE', 'TERM', 'COMMIT', 'APPLIED', 'LAG', 'CLIENT', 'ALARM'],
    rows.map((row) => {
      const client = row.clientAddress ?? '-';
      if (!row.ok) return [row.id, 'unreachable', '-', '-', '-', '-', client, '-'];
      const { role, term, commitIndex, appliedIndex } = row.status;
      const lag = leaderCommit === null ? '-' : String(Math.max(0, leaderCommit - appliedIndex));
      const shownRole = row.role === 'learner' ? `${role} (learner)` : role;
      const alarm = row.alarms.map(({ alarm, reason }) => `${alarm}(${reason})`).join(',') || '-';
      // The ALARM column is the member's own alarm; `raftkv alarm list` shows the cluster's too.
      return [row.id, shownRole, String(term), String(commitIndex), String(appliedIndex), lag, client, alarm];
    }),
  );
}

function membersTable(result: MembersResult): string {
  return table(
    ['ID', 'ROLE', 'LEADER', 'CLIENT', 'ADDRESS'],
    result.members.map((member) => [
      member.id,
      member.role,
      member.id === result.leaderId ? '*' : '',
      member.clientAddress ?? '-',
      member.address,
    ]),
  );
}
