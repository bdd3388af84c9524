// The cluster-wide no-space alarm on three in-process raftkvd nodes: once a member's alarm is applied
// every member refuses writes that add data (client protocol 'no-space', HTTP 507) while deletes and
// reads work, /health, /status and /metrics show it; a healthy member clears its own alarm, a stopped
// member's AlarmReporter records and clears its alarm with retries, an operator disarms, and removing
// the member clears its alarm (docs/reliability.md "Full disks").
import { KvClient, KvClientError } from '@raftkv/client';
import { nodeId } from '@raftkv/raft';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmReporter } from '../src/alarm-reporter.js';
import { createLogger } from '../src/logger.js';
import type { RaftProcess } from '../src/raft-process.js';
import { TestNodes, waitFor } from './support/nodes.js';

const nodes = new TestNodes();
let members: RaftProcess[];
const clients: KvClient[] = [];

beforeAll(async () => {
  members = await nodes.startCluster(3);
});
afterAll(async () => {
  for (const client of clients) client.close();
  await nodes.stopAll();
  expect(nodes.fatalErrors).toEqual([]);
});

function clientOf(running: readonly RaftProcess[]): KvClient {
  const client = new KvClient({ endpoints: running.map((node) => node.advertised.client), timeoutMs: 5000 });
  clients.push(client);
  return client;
}

async function call(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Every node in `running` has applied the alarms of exactly `expected` members. */
function appliedEverywhere(running: readonly RaftProcess[], expected: readonly string[]): Promise<true> {
  return waitFor(`the alarms of [${expected.join(', ')}] applied on every member`, async () => {
    for (const node of running) {
      const status = await call(`${node.advertised.http}/status`);
      const members = (status.body.clusterAlarms as Array<{ member: string }>).map((alarm) => alarm.member);
      if (JSON.stringify(members) !== JSON.stringify(expected)) return undefined;
    }
    return true;
  });
}

async function expectWritesRefused(running: readonly RaftProcess[], client: KvClient): Promise<void> {
  for (const node of running) {
    const http = node.advertised.http;
    const refused = await call(`${http}/key`, { method: 'POST', body: '{"refused":"x"}' });
    expect(refused.status).toBe(507);
    expect(refused.body.code).toBe('no-space');
    expect(refused.body.error).toMatch(/n3 \(disk-full/);
    const health = await call(`${http}/health`);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'no-space', alarms: [{ member: 'n3', alarm: 'no-space' }] });
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/^raftkv_cluster_alarm\{member="n3",alarm="no-space",id="n\d"\} 1$/m);
    expect(metrics).toMatch(/^raftkv_alarm\{alarm="no-space",id="n\d"\} 0$/m);
    // Reads and deletes still work.
    expect(await call(`${http}/key/kept`)).toEqual({ status: 200, body: { kept: 'yes' } });
  }
  const error = await client.put('refused', 'x').catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(KvClientError);
  expect((error as KvClientError).code).toBe('no-space');
  expect(await client.delete('doomed')).toMatchObject({ deleted: true });
  const got = await client.get('kept');
  expect(got.found).toBe(true);
}

describe('the cluster-wide no-space alarm', () => {
  it('a healthy member whose alarm is applied clears it by itself', async () => {
    const client = clientOf(members);
    const [healthy] = members;
    const alarms = await client.alarmActivate(healthy!.id, 'disk-full', new Date().toISOString());
    expect(alarms.map((alarm) => alarm.member)).toContain(healthy!.id);
    await appliedEverywhere(members, []);
    await client.put('after-self-clear', 'ok');
  });

  it("a stopped member's reporter retries until the cluster records its alarm, and clears it the same way", async () => {
    const n3 = members.find((node) => node.id === 'n3')!;
    // n3 stops, as a full member's actor does; from here on nothing clears its alarm but a
    // deactivation, the operator or the configuration.
    await nodes.stop(n3);
    const rest = members.filter((node) => node !== n3);
    let asked = 0;
    const reporter = new AlarmReporter({
      id: nodeId('n3'),
      // No member known at first: the reporter must wait and ask again.
      endpoints: () => (++asked <= 2 ? [] : rest.map((node) => node.advertised.client)),
      timeoutMs: 2000,
      security: () => null,
      logger: createLogger('silent'),
    });
    try {
      reporter.activate({
        alarm: 'no-space',
        reason: 'disk-full',
        since: '2026-12-06T11:00:00.000Z',
        message: 'full',
      });
      expect(reporter.pending).toBe('activate');
      await appliedEverywhere(rest, ['n3']);
      await waitFor('the reporter to finish', () => (reporter.pending === null ? true : undefined));
      expect(asked).toBeGreaterThanOrEqual(3);
      expect(reporter.deactivate()).toBe(true);
      expect(reporter.deactivate()).toBe(false); // under way
      await appliedEverywhere(rest, []);
      await waitFor('the reporter to finish', () => (reporter.pending === null ? true : undefined));
      // Just completed: the members apply it a little after the leader, so no second one yet.
      expect(reporter.deactivate()).toBe(false);
      // A member the configuration does not hold (e.g. removed meanwhile) is not recorded: it stops.
      const outsider = new AlarmReporter({
        id: nodeId('n9'),
        endpoints: () => rest.map((node) => node.advertised.client),
        timeoutMs: 2000,
        security: () => null,
        logger: createLogger('silent'),
      });
      outsider.activate({
        alarm: 'no-space',
        reason: 'map-full',
        since: '2026-12-06T11:00:00.000Z',
        message: 'full',
      });
      await waitFor('the outsider to stop asking', () => (outsider.pending === null ? true : undefined));
      outsider.stop();
      await appliedEverywhere(rest, []);
      // Stopped while retrying, it asks no more.
      asked = 0;
      reporter.activate({
        alarm: 'no-space',
        reason: 'disk-full',
        since: '2026-12-06T11:00:00.000Z',
        message: 'full',
      });
      reporter.stop();
      const askedAtStop = asked;
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(asked).toBe(askedAtStop);
      expect(reporter.pending).toBe(null);
    } finally {
      reporter.stop();
    }
  });

  it('refuses writes that add data on every member, serves deletes and reads, lifts on disarm, and removing the member clears its alarm', async () => {
    const rest = members.filter((node) => node.id !== 'n3');
    const client = clientOf(rest);
    await client.put('kept', 'yes');
    await client.put('doomed', 'soon');
    const survivors = clientOf(rest);
    const since = '2026-12-06T12:00:00.000Z';
    expect(await survivors.alarmActivate('n3', 'disk-full', since)).toEqual([
      { member: 'n3', alarm: 'no-space', reason: 'disk-full', since },
    ]);
    await appliedEverywhere(rest, ['n3']);
    await expectWritesRefused(rest, survivors);

    expect(await survivors.alarmDeactivate(null)).toEqual([]);
    await appliedEverywhere(rest, []);
    await survivors.put('after-disarm', 'ok');
    expect((await call(`${rest[0]!.advertised.http}/health`)).status).toBe(200);

    await survivors.alarmActivate('n3', 'map-full', since);
    await appliedEverywhere(rest, ['n3']);
    await survivors.removeMember('n3');
    await appliedEverywhere(rest, []);
    await survivors.put('after-removal', 'ok');
    // A removed member's late activation changes nothing.
    expect(await survivors.alarmActivate('n3', 'disk-full', since)).toEqual([]);
  });
});
