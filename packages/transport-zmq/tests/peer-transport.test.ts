// Contract tests of PeerTransport on 127.0.0.1 with OS-assigned ports: batching, bad frames,
// sender identity, queue overflow, unknown peers, reconnect to a peer that comes up late.

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { encodePeerFrame } from '@raftkv/protocol';
import type { Message } from '@raftkv/raft';
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { PeerTransport } from '../src/index.js';
import { eventually, heartbeat, n1, n2, n3, retryUntil, vote } from './helpers.js';

const anyPort = 'tcp://127.0.0.1:*';
const opened: PeerTransport[] = [];
const openedDealers: Dealer[] = [];

afterEach(() => {
  for (const transport of opened.splice(0)) transport.close();
  for (const dealer of openedDealers.splice(0)) dealer.close();
});

async function bindTransport(
  id: typeof n1,
  received: Message[][],
  options: { sendQueueFramesMax?: number } = {},
): Promise<PeerTransport> {
  const transport = await PeerTransport.bind({
    id,
    bindAddress: anyPort,
    onMessages: (messages) => received.push(messages),
    ...options,
  });
  opened.push(transport);
  return transport;
}

/** A raw DEALER that claims `routingId`, to send frames the transport would never produce. */
function rawDealer(routingId: string, address: string): Dealer {
  const dealer = new Dealer({ routingId, linger: 0 });
  dealer.connect(address);
  openedDealers.push(dealer);
  return dealer;
}

describe('PeerTransport', () => {
  it('binds an OS-assigned port and reports the real endpoint', async () => {
    const transport = await bindTransport(n1, []);
    expect(transport.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(transport.address).not.toContain('*');
  });

  it('delivers all messages to one peer from one send() as one frame, in order', async () => {
    const receivedByTwo: Message[][] = [];
    const one = await bindTransport(n1, []);
    const two = await bindTransport(n2, receivedByTwo);
    one.setPeers(new Map([[n2, two.address]]));
    const batch = [heartbeat(n1, n2, 1), vote(n1, n2), heartbeat(n1, n2, 2)];
    await retryUntil(
      () => one.send(batch),
      () => receivedByTwo.length > 0,
      'first frame at n2',
    );
    expect(receivedByTwo[0]).toEqual(batch);
    expect(two.counters().framesReceived).toBe(receivedByTwo.length);
    expect(two.counters().messagesReceived).toBe(3 * receivedByTwo.length);
  });

  it('splits one send() across destinations and both directions work', async () => {
    const received: Record<string, Message[][]> = { n1: [], n2: [], n3: [] };
    const one = await bindTransport(n1, received.n1!);
    const two = await bindTransport(n2, received.n2!);
    const three = await bindTransport(n3, received.n3!);
    one.setPeers(
      new Map([
        [n2, two.address],
        [n3, three.address],
      ]),
    );
    two.setPeers(new Map([[n1, one.address]]));
    await retryUntil(
      () => one.send([heartbeat(n1, n2, 1), heartbeat(n1, n3, 1), heartbeat(n1, n2, 2)]),
      () => received.n2!.length > 0 && received.n3!.length > 0,
      'frames at n2 and n3',
    );
    expect(received.n2![0]!.map((message) => message.to)).toEqual([n2, n2]);
    expect(received.n3![0]!.map((message) => message.to)).toEqual([n3]);
    await retryUntil(
      () => two.send([vote(n2, n1)]),
      () => received.n1!.length > 0,
      'reply at n1',
    );
    expect(received.n1![0]).toEqual([vote(n2, n1)]);
  });

  it('counts and drops a garbage frame, then still delivers good frames', async () => {
    const received: Message[][] = [];
    const two = await bindTransport(n2, received);
    const raw = rawDealer(n1, two.address);
    await raw.send(Uint8Array.from([0xc1, 0xff, 0x00, 0x13]));
    await eventually(() => two.counters().framesBad === 1, 'garbage frame counted');
    await raw.send(encodePeerFrame([heartbeat(n1, n2, 7)]));
    await eventually(() => received.length === 1, 'good frame after garbage');
    expect(received[0]).toEqual([heartbeat(n1, n2, 7)]);
    expect(two.counters().framesBad).toBe(1);
  });

  it('counts a multipart message as a bad frame', async () => {
    const two = await bindTransport(n2, []);
    const raw = rawDealer(n1, two.address);
    await raw.send([encodePeerFrame([heartbeat(n1, n2, 1)]), Uint8Array.from([1])]);
    await eventually(() => two.counters().framesBad === 1, 'multipart frame counted');
  });

  it('drops a frame whose sender identity does not match the messages’ from', async () => {
    const received: Message[][] = [];
    const two = await bindTransport(n2, received);
    const impostor = rawDealer(n3, two.address);
    await impostor.send(encodePeerFrame([heartbeat(n1, n2, 1)]));
    await eventually(() => two.counters().framesMisrouted === 1, 'impostor frame counted');
    await impostor.send(encodePeerFrame([heartbeat(n3, n1, 1)]));
    await eventually(() => two.counters().framesMisrouted === 2, 'frame addressed to another node counted');
    await impostor.send(encodePeerFrame([heartbeat(n3, n2, 2)]));
    await eventually(() => received.length === 1, 'honest frame delivered');
    expect(received[0]![0]!.from).toBe(n3);
  });

  it('drops and counts messages to a peer it does not know, without throwing', async () => {
    const one = await bindTransport(n1, []);
    expect(() => one.send([heartbeat(n1, n3, 1), vote(n1, n3)])).not.toThrow();
    expect(one.counters().messagesDroppedUnknownPeer).toBe(2);
  });

  it('drops and counts on queue overflow, never throws, keeps the queue bounded', async () => {
    const one = await bindTransport(n1, [], { sendQueueFramesMax: 4 });
    // A peer that never comes up: nothing drains faster than this synchronous loop fills.
    one.setPeers(new Map([[n2, 'tcp://127.0.0.1:1']]));
    for (let sequence = 0; sequence < 1000; sequence += 1) {
      expect(() => one.send([heartbeat(n1, n2, sequence)])).not.toThrow();
    }
    // The loop never yields, so exactly 4 frames wait in the queue plus the 1 already handed to send().
    expect(one.counters().messagesDroppedQueueFull).toBe(1000 - 5);
    await eventually(() => {
      const settled = one.counters();
      return (
        settled.messagesDroppedQueueFull + settled.messagesDroppedUnreachable + settled.messagesSent === 1000
      );
    }, 'every message accounted for');
    expect(one.counters().messagesSent).toBe(0);
  });

  it('reaches a peer that was down when first addressed, once it comes up (reconnect)', async () => {
    // The port stays ours while n2 is down: a plain TCP listener that hangs up on every connection
    // (no ZMTP handshake, so nothing is sent to it), closed just before n2 binds. A port released
    // for the whole wait could be taken by another process on a busy machine.
    const placeholder = createServer((socket) => socket.destroy());
    await new Promise<void>((listening) => placeholder.listen(0, '127.0.0.1', listening));
    const address = `tcp://127.0.0.1:${(placeholder.address() as AddressInfo).port}`;
    const one = await bindTransport(n1, []);
    one.setPeers(new Map([[n2, address]]));
    for (let sequence = 0; sequence < 5; sequence += 1) one.send([heartbeat(n1, n2, sequence)]);
    await eventually(() => one.counters().messagesDroppedUnreachable === 5, 'sends to a down peer dropped');

    await new Promise((closed) => placeholder.close(closed));
    const received: Message[][] = [];
    const two = await PeerTransport.bind({
      id: n2,
      bindAddress: address,
      onMessages: (m) => received.push(m),
    });
    opened.push(two);
    let sequence = 100;
    await retryUntil(
      () => one.send([heartbeat(n1, n2, sequence++)]),
      () => received.length > 0,
      'frame after restart',
    );
    expect(received[0]![0]!.type).toBe('AppendEntries');
  });

  it('readdressing a peer sends to the new address; removing it drops later messages', async () => {
    const receivedByOld: Message[][] = [];
    const receivedByNew: Message[][] = [];
    const one = await bindTransport(n1, []);
    const oldTwo = await bindTransport(n2, receivedByOld);
    const newTwo = await bindTransport(n2, receivedByNew);
    one.setPeers(new Map([[n2, oldTwo.address]]));
    await retryUntil(
      () => one.send([heartbeat(n1, n2, 1)]),
      () => receivedByOld.length > 0,
      'old address',
    );
    one.setPeers(new Map([[n2, newTwo.address]]));
    await retryUntil(
      () => one.send([heartbeat(n1, n2, 2)]),
      () => receivedByNew.length > 0,
      'new address',
    );
    one.setPeers(new Map());
    one.send([heartbeat(n1, n2, 3)]);
    expect(one.counters().messagesDroppedUnknownPeer).toBe(1);
  });

  it('send() after close() drops and counts instead of throwing', async () => {
    const one = await bindTransport(n1, []);
    one.setPeers(new Map([[n2, 'tcp://127.0.0.1:1']]));
    one.close();
    expect(() => one.send([heartbeat(n1, n2, 1)])).not.toThrow();
    expect(one.counters().messagesDroppedUnknownPeer).toBe(1);
  });
});
