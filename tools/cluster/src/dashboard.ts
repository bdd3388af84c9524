// The launcher's live dashboard, wired together: the monitor polling the members, the built-in
// load, the network faults on the peer proxies, the node actions, and the web server that shows
// them and takes the buttons' and the CLI's actions. Its token is <data-dir>/dashboard.token (0600),
// new on every start.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PeerNetwork } from '@raftkv/link-proxy';
import { ClusterMonitor } from './cluster-monitor.js';
import { type ActionContext, parseAction, runAction } from './dashboard-actions.js';
import { DashboardServer } from './dashboard-server.js';
import { directLinks, LiveFaults } from './live-faults.js';
import { LoadGenerator } from './load-generator.js';
import {
  httpToken,
  isPaused,
  killNode,
  pauseNode,
  restartNode,
  resumeNode,
  transferLeadership,
} from './node-actions.js';
import { isRaftkvd, signal } from './node-processes.js';
import { readState } from './state-file.js';

export const dashboardTokenFile = 'dashboard.token';

export interface Dashboard {
  readonly url: string;
  /** The URL to print: it carries the dashboard token. */
  readonly openUrl: string;
  /** Stops the load, heals every link and resumes paused nodes, so the cluster can stop in order. */
  prepareStop(): Promise<void>;
  close(): Promise<void>;
}

export async function openDashboard(
  dataRootOption: string,
  network: PeerNetwork | null,
  print: (line: string) => void,
): Promise<Dashboard> {
  const dataRoot = resolve(dataRootOption);
  const token = randomBytes(24).toString('base64url');
  writeFileSync(join(dataRoot, dashboardTokenFile), `${token}\n`, { mode: 0o600 });
  const nodes = () => readState(dataRoot)?.nodes ?? [];
  let monitor: ClusterMonitor | null = null;
  const load = new LoadGenerator({
    leaderHttp: () => monitor?.leaderHttp() ?? null,
    token: httpToken(dataRoot),
  });
  const faults =
    network === null
      ? null
      : new LiveFaults(
          network,
          nodes().map((node) => node.id),
        );
  let server: DashboardServer | null = null;
  monitor = new ClusterMonitor(
    nodes,
    httpToken(dataRoot),
    load,
    () => faults?.links() ?? [],
    (snapshot) => server?.push(snapshot),
  );
  const collect = async (run: (print: (line: string) => void) => unknown): Promise<string> => {
    const lines: string[] = [];
    await run((line) => lines.push(line));
    return lines.join('; ');
  };
  const resumeAllPaused = async (): Promise<string[]> => {
    const resumed: string[] = [];
    for (const node of nodes()) {
      if (isRaftkvd(node.pid, node.dataDir) && isPaused(node.pid)) {
        signal(node.pid, 'SIGCONT');
        resumed.push(node.id);
      }
    }
    return resumed;
  };
  const context: ActionContext = {
    faults: faults ?? directLinks,
    leader: () => monitor?.snapshot().leader ?? null,
    pause: (id) => collect((out) => pauseNode(dataRoot, id, out)),
    resume: (id) => collect((out) => resumeNode(dataRoot, id, out)),
    kill: (id) => collect((out) => killNode(dataRoot, id, out)),
    restart: (id) => collect((out) => restartNode(dataRoot, id, out)),
    transfer: (id) => collect((out) => transferLeadership(dataRoot, id, out)),
    resumeAllPaused,
    setLoad: async (on) => {
      if (on) load.start();
      else await load.stop();
      return on ? 'Load on: 4 writers and 4 linearizable readers at the leader' : 'Load off';
    },
  };
  server = await DashboardServer.open(
    token,
    () => monitor.snapshot(),
    async (body) => {
      const action = parseAction(body);
      const line = await runAction(action, context);
      // Network faults show on the timeline until heal (kills and pauses show in the member lanes).
      if (['partition', 'split', 'cut', 'isolate-leader'].includes(action.kind))
        monitor.faultStarted('partition', line);
      if (action.kind === 'throttle') monitor.faultStarted('gray', line);
      if (action.kind === 'heal') monitor.healed();
      monitor.note(action.kind === 'load' ? 'load' : action.kind === 'transfer' ? 'leader' : 'fault', line);
      print(line);
      return line;
    },
  );
  monitor.start();
  const opened = server;
  return {
    url: opened.url,
    openUrl: opened.openUrl,
    async prepareStop() {
      await load.stop();
      await resumeAllPaused();
      faults?.apply({ kind: 'heal' });
    },
    async close() {
      monitor.stop();
      await load.stop();
      await opened.close();
    },
  };
}
