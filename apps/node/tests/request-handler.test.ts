// RequestHandler: every request is answered exactly once — synchronously when the actor settles it
// (so raftkvd can send the reply before the turn's disk commit), or after the request timeout.
import type { KvApplyResult, KvQuery } from '@raftkv/kv';
import type { ClientResponseBody } from '@raftkv/protocol';
import { type ActorEvent, type NodeStatus, nodeId } from '@raftkv/raft';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { type NodeGateway, RequestHandler } from '../src/request-handler.js';

type Event = ActorEvent<KvQuery, KvApplyResult>;

const putCommand = {
  kind: 'command' as const,
  command: { operation: { type: 'put' as const, key: new Uint8Array([1]), value: new Uint8Array([2]) } },
};

function gateway(overrides: Partial<NodeGateway> = {}): NodeGateway & { readonly delivered: Event[] } {
  const delivered: Event[] = [];
  return {
    delivered,
    deliver: (event) => {
      delivered.push(event);
      return true;
    },
    status: () =>
      ({ id: nodeId('n1'), leaderId: null, configuration: { members: [] } }) as unknown as NodeStatus,
    queryLocal: () => ({
      index: 0,
      result: { ok: true, revision: 0, result: { kind: 'get', keyValue: null } },
    }),
    revision: () => 0,
    isShuttingDown: () => false,
    noSpace: () => null,
    clusterAlarms: () => [],
    ...overrides,
  } as NodeGateway & { readonly delivered: Event[] };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RequestHandler', () => {
  test('answers a proposal synchronously from the callback that settles it', () => {
    const node = gateway();
    const handler = new RequestHandler(node, 1000);
    const replies: ClientResponseBody[] = [];
    handler.handleWithReply(putCommand, (response) => replies.push(response));
    expect(replies).toEqual([]);
    expect(handler.inFlightCount).toBe(1);
    const event = node.delivered[0]!;
    expect(event.type).toBe('propose');
    if (event.type !== 'propose') return;
    const result = {
      ok: true,
      revision: 7,
      result: { kind: 'put', previous: null },
    } as unknown as KvApplyResult;
    event.onResult({ ok: true, index: 12, term: 2, result });
    // No await between the settling callback and the reply: it happened inside onResult.
    expect(replies).toEqual([{ ok: true, result: { kind: 'command', index: 12, result } }]);
    expect(handler.inFlightCount).toBe(0);
  });

  test('a write with no outcome within the request timeout is answered outcome-unknown, once', async () => {
    vi.useFakeTimers();
    const node = gateway();
    const handler = new RequestHandler(node, 500);
    const replies: ClientResponseBody[] = [];
    handler.handleWithReply(putCommand, (response) => replies.push(response));
    const settled = handler.settled();
    vi.advanceTimersByTime(499);
    expect(replies).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ ok: false, error: { code: 'outcome-unknown' } });
    await settled;
    // A late outcome after the timeout is ignored: the client was already answered.
    const event = node.delivered[0]!;
    if (event.type === 'propose') event.onResult({ ok: false, reason: 'not-leader', leaderHint: null });
    expect(replies).toHaveLength(1);
  });

  test('settled() waits for every request in flight', async () => {
    const node = gateway();
    const handler = new RequestHandler(node, 1000);
    handler.handleWithReply(putCommand, () => {});
    handler.handleWithReply(putCommand, () => {});
    let done = false;
    const settled = handler.settled().then(() => {
      done = true;
    });
    for (const event of node.delivered.slice(0, 1)) {
      if (event.type === 'propose') event.onResult({ ok: false, reason: 'stopped', leaderHint: null });
    }
    await Promise.resolve();
    expect(done).toBe(false);
    const second = node.delivered[1]!;
    if (second.type === 'propose') second.onResult({ ok: false, reason: 'stopped', leaderHint: null });
    await settled;
    expect(done).toBe(true);
  });

  test('a stopping node answers shutting-down at once and delivers nothing', async () => {
    const node = gateway({ isShuttingDown: () => true });
    const handler = new RequestHandler(node, 1000);
    const response = await handler.handle(putCommand);
    expect(response).toMatchObject({ ok: false, error: { code: 'shutting-down' } });
    expect(node.delivered).toEqual([]);
    expect(handler.inFlightCount).toBe(0);
  });

  describe('reads with a minRevision (read-your-writes on any member)', () => {
    const getRead = (consistency: 'linearizable' | 'serializable', minRevision: number) => ({
      kind: 'read' as const,
      query: { type: 'get' as const, key: new Uint8Array([1]) },
      consistency,
      minRevision,
    });

    test('a revision already applied is served at once', () => {
      const node = gateway({ revision: () => 5 });
      const handler = new RequestHandler(node, 1000);
      const replies: ClientResponseBody[] = [];
      handler.handleWithReply(getRead('serializable', 5), (response) => replies.push(response));
      expect(replies).toMatchObject([{ ok: true, result: { kind: 'read' } }]);
    });

    test('waits until the member applied the revision, then reads (linearizable through the actor)', () => {
      vi.useFakeTimers();
      let revision = 3;
      const node = gateway({ revision: () => revision });
      const handler = new RequestHandler(node, 1000);
      const replies: ClientResponseBody[] = [];
      handler.handleWithReply(getRead('linearizable', 5), (response) => replies.push(response));
      revision = 4;
      handler.onApplied();
      vi.advanceTimersByTime(300);
      expect(node.delivered).toEqual([]);
      revision = 5;
      handler.onApplied();
      const event = node.delivered[0]!;
      expect(event.type).toBe('read');
      if (event.type !== 'read') return;
      const result: KvApplyResult = { ok: true, revision: 5, result: { type: 'get', keyValue: null } };
      event.onResult({ ok: true, index: 9, result });
      expect(replies).toEqual([{ ok: true, result: { kind: 'read', index: 9, result } }]);
      // The read's own timeout is what is left of the request timeout: no second answer later.
      vi.advanceTimersByTime(2000);
      expect(replies).toHaveLength(1);
    });

    test('a revision not applied within the request timeout fails revision-not-reached, once', () => {
      vi.useFakeTimers();
      const node = gateway({ revision: () => 3 });
      const handler = new RequestHandler(node, 500);
      const replies: ClientResponseBody[] = [];
      handler.handleWithReply(getRead('serializable', 4), (response) => replies.push(response));
      vi.advanceTimersByTime(499);
      expect(replies).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(replies).toMatchObject([{ ok: false, error: { code: 'revision-not-reached' } }]);
      expect(handler.inFlightCount).toBe(0);
      handler.onApplied();
      expect(replies).toHaveLength(1);
      expect(node.delivered).toEqual([]);
    });
  });

  describe("under a member's no-space alarm applied in the cluster", () => {
    const clusterAlarms = () =>
      [{ member: 'n3', alarm: 'no-space', reason: 'disk-full', since: '2026-01-01T00:00:00.000Z' }] as const;
    const key = new Uint8Array([1]);
    const command = (operation: object) => ({ kind: 'command' as const, command: { operation } }) as never;

    test('refuses every command that adds data with no-space naming the member, proposing nothing', async () => {
      for (const operation of [
        { type: 'put', key, value: key },
        { type: 'compareAndSwap', key, expected: { target: 'version', value: 0 }, value: key },
        { type: 'transaction', compares: [], success: [], failure: [{ type: 'put', key, value: key }] },
      ]) {
        const node = gateway({ clusterAlarms });
        const response = await new RequestHandler(node, 1000).handle(command(operation));
        expect(response).toMatchObject({ ok: false, error: { code: 'no-space', message: /n3 \(disk-full/ } });
        expect(node.delivered).toEqual([]);
      }
    });

    test('proposes deletes and alarm commands, and serves reads', () => {
      for (const operation of [
        { type: 'delete', key },
        { type: 'transaction', compares: [], success: [{ type: 'delete', key }], failure: [] },
        { type: 'alarm', action: 'deactivate', alarm: 'no-space', member: null },
      ]) {
        const node = gateway({ clusterAlarms });
        new RequestHandler(node, 1000).handleWithReply(command(operation), () => {});
        expect(node.delivered.map((event) => event.type)).toEqual(['propose']);
      }
      const node = gateway({ clusterAlarms });
      new RequestHandler(node, 1000).handleWithReply(
        { kind: 'read', query: { type: 'get', key }, consistency: 'linearizable' },
        () => {},
      );
      expect(node.delivered.map((event) => event.type)).toEqual(['read']);
    });

    test("reports the cluster's alarms in status", async () => {
      const response = await new RequestHandler(gateway({ clusterAlarms }), 1000).handle({ kind: 'status' });
      expect(response).toMatchObject({
        ok: true,
        result: { kind: 'status', alarms: [], clusterAlarms: clusterAlarms() },
      });
    });
  });

  describe('under the no-space alarm', () => {
    const alarm = {
      alarm: 'no-space',
      reason: 'disk-full',
      since: '2026-01-01T00:00:00.000Z',
      message: 'wal: persist refused',
    } as const;
    const withLeader = (leaderId: string | null) => ({
      noSpace: () => alarm,
      status: () =>
        ({
          id: nodeId('n1'),
          leaderId: leaderId === null ? null : nodeId(leaderId),
          configuration: {
            members: [{ id: nodeId('n2'), role: 'voter', address: 'tcp://127.0.0.1:1' }],
          },
        }) as unknown as NodeStatus,
    });
    const read = (consistency: 'linearizable' | 'serializable') => ({
      kind: 'read' as const,
      query: { type: 'get' as const, key: new Uint8Array([1]) },
      consistency,
    });

    test('refuses writes with no-space and proposes nothing', async () => {
      const node = gateway(withLeader('n2'));
      const response = await new RequestHandler(node, 1000).handle(putCommand);
      expect(response).toMatchObject({ ok: false, error: { code: 'no-space', message: /disk-full/ } });
      expect(node.delivered).toEqual([]);
    });

    test('points reads of either consistency at the leader it knew', async () => {
      for (const consistency of ['linearizable', 'serializable'] as const) {
        const node = gateway(withLeader('n2'));
        const response = await new RequestHandler(node, 1000).handle(read(consistency));
        expect(response).toMatchObject({ ok: false, error: { code: 'not-leader', leaderId: 'n2' } });
        expect(node.delivered).toEqual([]);
      }
    });

    test('refuses reads with no-space when it knows no other leader', async () => {
      for (const leader of [null, 'n1']) {
        const response = await new RequestHandler(gateway(withLeader(leader)), 1000).handle(
          read('linearizable'),
        );
        expect(response).toMatchObject({ ok: false, error: { code: 'no-space' } });
      }
    });

    test('still answers status', async () => {
      const response = await new RequestHandler(gateway(withLeader('n2')), 1000).handle({ kind: 'status' });
      expect(response).toMatchObject({ ok: true, result: { kind: 'status' } });
    });

    test("maps the stopped actor's refusals to no-space", async () => {
      let alarmed = false;
      const node = gateway({ noSpace: () => (alarmed ? alarm : null) });
      const handler = new RequestHandler(node, 1000);
      const answer = handler.handle(read('linearizable'));
      alarmed = true;
      const event = node.delivered[0]!;
      if (event.type === 'read') event.onResult({ ok: false, reason: 'stopped', leaderHint: null });
      expect(await answer).toMatchObject({ ok: false, error: { code: 'no-space' } });
    });
  });
});
