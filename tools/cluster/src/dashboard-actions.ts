// The actions the dashboard's buttons and the CLI's fault commands send to the running launcher
// (POST /api/action): network faults on the peer proxies, pause/resume/kill/restart of a node,
// leadership transfer, and the built-in load toggle. Parses the untrusted JSON into an action or a clear CommandError.
import { type NetworkFault, type NetworkFaults, parseRate } from './live-faults.js';
import { CommandError } from './node-actions.js';

export type Action =
  | NetworkFault
  | { readonly kind: 'isolate-leader' }
  | { readonly kind: 'pause' | 'resume' | 'kill' | 'restart' | 'transfer'; readonly node: string }
  | { readonly kind: 'load'; readonly on: boolean };

const nodeId = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** The action `value` names, or a CommandError saying what is wrong with it. */
export function parseAction(value: unknown): Action {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CommandError('an action is a JSON object such as {"action":"partition","node":"n1"}');
  const body = value as Record<string, unknown>;
  const node = (field = 'node'): string => {
    const id = body[field];
    if (typeof id !== 'string' || !nodeId.test(id))
      throw new CommandError(`"${field}" must be a node id such as "n1"`);
    return id;
  };
  switch (body.action) {
    case 'partition':
      return { kind: 'partition', node: node() };
    case 'split': {
      const groups = body.groups;
      if (
        !Array.isArray(groups) ||
        !groups.every(
          (group) => Array.isArray(group) && group.every((id) => typeof id === 'string' && nodeId.test(id)),
        )
      )
        throw new CommandError('"groups" must be lists of node ids, e.g. [["n1","n2"],["n3"]]');
      return { kind: 'split', groups: groups as string[][] };
    }
    case 'cut':
      return { kind: 'cut', from: node('from'), to: node('to') };
    case 'throttle': {
      const kbit = typeof body.rate === 'string' ? parseRate(body.rate) : null;
      if (kbit === null)
        throw new CommandError('"rate" must be a rate from 8kbit, such as "256kbit" or "1mbit"');
      return { kind: 'throttle', node: node(), kbit };
    }
    case 'heal':
      return { kind: 'heal' };
    case 'isolate-leader':
      return { kind: 'isolate-leader' };
    case 'pause':
    case 'resume':
    case 'kill':
    case 'restart':
    case 'transfer':
      return { kind: body.action, node: node() };
    case 'load':
      if (typeof body.on !== 'boolean') throw new CommandError('"on" must be true or false');
      return { kind: 'load', on: body.on };
    default:
      throw new CommandError(
        `unknown action ${JSON.stringify(body.action)}; one of partition, split, cut, throttle, heal, isolate-leader, pause, resume, kill, restart, transfer, load`,
      );
  }
}

export interface ActionContext {
  readonly faults: NetworkFaults;
  leader(): string | null;
  pause(id: string): Promise<string>;
  resume(id: string): Promise<string>;
  kill(id: string): Promise<string>;
  restart(id: string): Promise<string>;
  transfer(id: string): Promise<string>;
  resumeAllPaused(): Promise<string[]>;
  setLoad(on: boolean): Promise<string>;
}

/** Runs `action`; answers one line saying what changed. */
export async function runAction(action: Action, context: ActionContext): Promise<string> {
  switch (action.kind) {
    case 'isolate-leader': {
      const leader = context.leader();
      if (leader === null) throw new CommandError('no leader right now to isolate');
      return context.faults.apply({ kind: 'partition', node: leader });
    }
    case 'heal': {
      const resumed = await context.resumeAllPaused();
      const line = context.faults.apply(action);
      return resumed.length === 0 ? line : `${line}; resumed ${resumed.join(', ')}`;
    }
    case 'pause':
      return context.pause(action.node);
    case 'resume':
      return context.resume(action.node);
    case 'kill':
      return context.kill(action.node);
    case 'restart':
      return context.restart(action.node);
    case 'transfer':
      return context.transfer(action.node);
    case 'load':
      return context.setLoad(action.on);
    default:
      return context.faults.apply(action);
  }
}
