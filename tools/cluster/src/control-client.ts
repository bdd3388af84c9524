// The CLI side of the fault commands that need the running launcher (its peer proxies and load):
// POSTs the action to the launcher's dashboard with the dashboard token and prints its answer.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dashboardTokenFile } from './dashboard.js';
import { CommandError, type Print, requireState } from './node-actions.js';
import { isAlive } from './node-processes.js';

const requestTimeoutMs = 20_000;

export async function sendAction(dataRootOption: string, action: object, print: Print): Promise<void> {
  const dataRoot = resolve(dataRootOption);
  const state = requireState(dataRoot);
  const tokenPath = join(dataRoot, dashboardTokenFile);
  const launcherUp = state.launcherPid !== null && isAlive(state.launcherPid);
  if (!launcherUp || state.dashboard === undefined || state.dashboard === null || !existsSync(tokenPath)) {
    throw new CommandError(
      launcherUp
        ? 'the running launcher predates the peer proxies; stop it and run npm start again'
        : 'network faults and the load need the launcher: start the cluster with npm start',
    );
  }
  let response: Response;
  try {
    response = await fetch(new URL('/api/action', state.dashboard), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${readFileSync(tokenPath, 'utf8').trim()}`,
      },
      body: JSON.stringify(action),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
  } catch (error) {
    throw new CommandError(`the launcher at ${state.dashboard} did not answer: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as { message?: string; error?: string };
  if (!response.ok) throw new CommandError(body.error ?? `the launcher answered ${response.status}`);
  print(body.message ?? 'done');
}
