// The dashboard's parts without a cluster: member views and the events between two polls, action
// parsing (bad input is a clear CommandError), network faults on real proxies, and the web server's
// token (401 without it, the page and the actions with it, a bad action answered 400).
import { PeerNetwork } from '@raftkv/link-proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveEvents, type MemberView, memberViews } from '../src/cluster-monitor.js';
import type { NodeReport } from '../src/cluster-status.js';
import { parseAction } from '../src/dashboard-actions.js';
import { DashboardServer } from '../src/dashboard-server.js';
import { LiveFaults, parseRate } from '../src/live-faults.js';
import { CommandError } from '../src/node-actions.js';

const report = (
  id: string,
  role: string,
  term: number,
  leader: string | null,
  firstIndex = 1,
): NodeReport => ({
  id,
  pid: 100,
  http: `http://127.0.0.1:1/${id}`,
  status: {
    role,
    term,
    leader: leader === null ? null : { id: leader },
    commitIndex: 10,
    appliedIndex: id === 'n3' ? 4 : 10,
    firstIndex,
    lastIndex: 10,
    members: [],
  },
});
const down = (id: string): NodeReport => ({ id, pid: null, http: 'x', status: null });

describe('member views and events', () => {
  it('reads role, snapshot index and lag, and marks down and paused members', () => {
    const views = memberViews(
      [report('n1', 'leader', 2, 'n1', 6), report('n3', 'follower', 2, 'n1'), down('n2')],
      new Set(['n3']),
    );
    expect(views.map((view) => [view.id, view.state, view.snapshotIndex, view.lag])).toEqual([
      ['n1', 'up', 5, 0],
      ['n3', 'paused', 0, 6],
      ['n2', 'down', null, null],
    ]);
  });

  it('reports an election, the new leader, a member going down, a snapshot and a membership change', () => {
    const before = {
      members: memberViews([report('n1', 'leader', 2, 'n1'), report('n2', 'follower', 2, 'n1')], new Set()),
      configuration: ['n1', 'n2'],
    };
    const after = {
      members: memberViews([down('n1'), report('n2', 'leader', 3, 'n2', 8)], new Set()) as MemberView[],
      configuration: ['n1', 'n2', 'n3 (learner)'],
    };
    const events = deriveEvents(before, after, 1000).map((event) => `${event.kind}: ${event.text}`);
    expect(events).toEqual([
      'election: election: term 2 → 3 (n2)',
      'leader: n2 leads in term 3',
      'membership: members: n1, n2 → n1, n2, n3 (learner)',
      'member: n1 is down (was up)',
      'snapshot: n2 snapshot at index 7',
    ]);
    expect(deriveEvents(after, after, 2000)).toEqual([]);
  });
});

describe('actions', () => {
  it('parses every action and refuses bad ones with a clear message', () => {
    expect(parseAction({ action: 'split', groups: [['n1'], ['n2', 'n3']] })).toEqual({
      kind: 'split',
      groups: [['n1'], ['n2', 'n3']],
    });
    expect(parseAction({ action: 'throttle', node: 'n1', rate: '1.5mbit' })).toEqual({
      kind: 'throttle',
      node: 'n1',
      kbit: 1500,
    });
    expect(parseAction({ action: 'load', on: true })).toEqual({ kind: 'load', on: true });
    expect(parseAction({ action: 'transfer', node: 'n2' })).toEqual({ kind: 'transfer', node: 'n2' });
    for (const bad of [
      null,
      [],
      'heal',
      { action: 'nuke' },
      { action: 'pause' },
      { action: 'pause', node: '../x' },
      { action: 'throttle', node: 'n1', rate: 'fast' },
      { action: 'split', groups: 'n1' },
      { action: 'load', on: 'yes' },
    ]) {
      expect(() => parseAction(bad)).toThrow(CommandError);
    }
    expect(parseRate('256kbit')).toBe(256);
    expect(parseRate('0kbit')).toBeNull();
  });
});

describe('network faults on real proxies', () => {
  const networks: PeerNetwork[] = [];
  afterEach(async () => {
    for (const network of networks.splice(0)) await network.close();
  });

  it('partition, split, one-way cut and throttle add up until heal', async () => {
    const ids = ['n1', 'n2', 'n3'];
    const network = await PeerNetwork.open(ids, () => 1);
    networks.push(network);
    const faults = new LiveFaults(network, ids);
    const cut = (): string[] =>
      faults
        .links()
        .filter((link) => link.cut)
        .map((link) => `${link.from}>${link.to}`)
        .sort();
    faults.apply({ kind: 'cut', from: 'n1', to: 'n2' });
    expect(cut()).toEqual(['n1>n2']);
    faults.apply({ kind: 'partition', node: 'n3' });
    expect(cut()).toEqual(['n1>n2', 'n1>n3', 'n2>n3', 'n3>n1', 'n3>n2']);
    faults.apply({ kind: 'heal' });
    faults.apply({ kind: 'split', groups: [['n1'], ['n2', 'n3']] });
    expect(cut()).toEqual(['n1>n2', 'n1>n3', 'n2>n1', 'n3>n1']);
    faults.apply({ kind: 'throttle', node: 'n2', kbit: 256 });
    expect(
      faults
        .links()
        .filter((link) => link.throttled)
        .map((link) => `${link.from}>${link.to}`),
    ).toEqual(['n2>n1', 'n2>n3']);
    expect(() => faults.apply({ kind: 'split', groups: [['n1'], ['n1', 'n2']] })).toThrow(/two groups/);
    expect(() => faults.apply({ kind: 'partition', node: 'n9' })).toThrow(/no node n9/);
    faults.apply({ kind: 'heal' });
    expect(faults.links().every((link) => !link.cut && !link.throttled)).toBe(true);
  });
});

describe('dashboard server', () => {
  it('asks for its token, serves the page and uPlot with it, and answers actions', async () => {
    const acted: unknown[] = [];
    const server = await DashboardServer.open(
      'secret-token',
      () => ({ leader: 'n1' }),
      async (action) => {
        acted.push(action);
        if ((action as { action?: string }).action === 'bad') throw new CommandError('no such thing');
        return 'done';
      },
    );
    try {
      expect((await fetch(server.url)).status).toBe(401);
      expect((await fetch(`${server.url}api/snapshot`)).status).toBe(401);
      expect((await fetch(`${server.url}?token=wrong`)).status).toBe(401);
      const login = await fetch(server.openUrl, { redirect: 'manual' });
      expect(login.status).toBe(303);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const page = await fetch(server.url, { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Isolate leader');
      expect((await fetch(`${server.url}uplot.js`)).status).toBe(200);
      const auth = { authorization: 'Bearer secret-token', 'content-type': 'application/json' };
      expect(await (await fetch(`${server.url}api/snapshot`, { headers: auth })).json()).toEqual({
        leader: 'n1',
      });
      const ok = await fetch(`${server.url}api/action`, {
        method: 'POST',
        headers: auth,
        body: '{"action":"heal"}',
      });
      expect(await ok.json()).toEqual({ message: 'done' });
      const bad = await fetch(`${server.url}api/action`, {
        method: 'POST',
        headers: auth,
        body: '{"action":"bad"}',
      });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({ error: 'no such thing' });
      const notJson = await fetch(`${server.url}api/action`, { method: 'POST', headers: auth, body: '{' });
      expect(notJson.status).toBe(400);
      const huge = await fetch(`${server.url}api/action`, {
        method: 'POST',
        headers: auth,
        body: 'x'.repeat(100_000),
      });
      expect(huge.status).toBe(413);
      expect(acted).toEqual([{ action: 'heal' }, { action: 'bad' }]);
    } finally {
      await server.close();
    }
  });
});
