// raftkv's cluster commands: status (one row per member), alarm list, members
// list|add|remove|promote, and leader transfer. They print what the nodes report; they make no decisions of their own.
import { type KvClient, KvClientError, type MemberStatus, type MembersResult } from '@raftkv/client';
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
  program
    .command('alarm')
    .description('alarms raised by members (etcd alarm list)')
    .command('list')
    .description('one row per raised alarm: member, alarm, reason, since (none: prints nothing)')
    .action(async () => {
      const rows = await context.client().clusterStatus();
      const alarms = rows.flatMap((row) =>
        row.ok ? row.alarms.map((alarm) => ({ member: row.id, ...alarm })) : [],
      );
      context.print(alarms, () =>
        alarms.length === 0
          ? ''
          : table(
              ['MEMBER', 'ALARM', 'REASON', 'SINCE'],
              alarms.map((alarm) => [alarm.member, alarm.alarm, alarm.reason, alarm.since]),
            ),
      );
      for (const row of rows) if (!row.ok) context.io.stderr(`raftkv: ${row.id}: ${row.error}\n`);
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
