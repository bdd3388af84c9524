// Asks every node of the local cluster for GET /status and renders one row per node. A node that
// does not answer within the timeout is shown as down; nothing here changes the cluster.
import type { NodeEntry } from './state-file.js';

export const statusTimeoutMs = 1000;

export interface NodeReport {
  readonly id: string;
  readonly pid: number | null;
  readonly http: string;
  /** Null when the node did not answer. */
  readonly status: {
    readonly role: string;
    readonly term: number;
    readonly leader: { readonly id: string } | null;
    readonly commitIndex: number;
    readonly appliedIndex: number;
  } | null;
}

/** `token`: the cluster's HTTP bearer token (secure clusters), or null. */
export async function collectReports(
  nodes: readonly NodeEntry[],
  token: string | null,
): Promise<NodeReport[]> {
  return Promise.all(
    nodes.map(async (node) => ({
      id: node.id,
      pid: node.pid,
      http: node.http,
      status: await fetchStatus(node.http, token),
    })),
  );
}

/** The leader every answering node agrees on, or null. */
export function agreedLeader(reports: readonly NodeReport[]): string | null {
  const answering = reports.filter((report) => report.status !== null);
  const leader = answering.find((report) => report.status?.role === 'leader');
  if (leader === undefined) return null;
  return answering.every((report) => report.status?.leader?.id === leader.id) ? leader.id : null;
}

export function formatTable(reports: readonly NodeReport[]): string {
  const header = ['ID', 'PID', 'STATE', 'ROLE', 'TERM', 'LEADER', 'COMMIT', 'APPLIED', 'HTTP'];
  const rows = reports.map((report) => {
    const status = report.status;
    return [
      report.id,
      report.pid === null ? '-' : String(report.pid),
      status === null ? 'down' : 'up',
      status?.role ?? '-',
      status === null ? '-' : String(status.term),
      status?.leader?.id ?? '-',
      status === null ? '-' : String(status.commitIndex),
      status === null ? '-' : String(status.appliedIndex),
      report.http,
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function fetchStatus(http: string, token: string | null): Promise<NodeReport['status']> {
  try {
    const response = await fetch(`${http}/status`, {
      signal: AbortSignal.timeout(statusTimeoutMs),
      ...(token === null ? {} : { headers: { authorization: `Bearer ${token}` } }),
    });
    if (!response.ok) return null;
    return (await response.json()) as NodeReport['status'];
  } catch {
    return null;
  }
}
