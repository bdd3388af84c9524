// PeerDirectory: the transport's address book follows the configuration, minus this node, with
// --peer-dial-addr overrides applied to the members they name, each member's public key passed along.
import { type Configuration, nodeId } from '@raftkv/raft';
import type { PeerEndpoint } from '@raftkv/transport-zmq';
import { describe, expect, it } from 'vitest';
import { encodeMemberAddress } from '../src/member-address.js';
import { PeerDirectory } from '../src/peer-directory.js';

const keyOf = (id: string): string => `${id}`.padEnd(40, 'K');
const member = (id: string, port: number) => ({
  id: nodeId(id),
  role: 'voter' as const,
  address: encodeMemberAddress({ peer: `tcp://127.0.0.1:${port}`, client: null, http: null, key: keyOf(id) }),
});
const keyless = (id: string, port: number) => ({
  id: nodeId(id),
  role: 'voter' as const,
  address: encodeMemberAddress({ peer: `tcp://127.0.0.1:${port}`, client: null, http: null }),
});
const configuration: Configuration = {
  members: [member('n1', 7001), member('n2', 7002), member('n3', 7003)],
};

describe('PeerDirectory', () => {
  it('publishes every other member at its advertised peer address', () => {
    const published: Map<string, PeerEndpoint>[] = [];
    const directory = new PeerDirectory(
      nodeId('n1'),
      { setPeers: (p) => published.push(new Map(p)) },
      () => {},
    );
    expect(directory.maybeUpdate(configuration)).toBe(true);
    expect([...published.at(-1)!]).toEqual([
      ['n2', { address: 'tcp://127.0.0.1:7002', publicKey: keyOf('n2') }],
      ['n3', { address: 'tcp://127.0.0.1:7003', publicKey: keyOf('n3') }],
    ]);
  });

  it('publishes a member stored without a key (an older data directory) with a null key', () => {
    const published: Map<string, PeerEndpoint>[] = [];
    const directory = new PeerDirectory(
      nodeId('n1'),
      { setPeers: (p) => published.push(new Map(p)) },
      () => {},
    );
    directory.maybeUpdate({ members: [keyless('n1', 7001), keyless('n2', 7002)] });
    expect([...published.at(-1)!]).toEqual([['n2', { address: 'tcp://127.0.0.1:7002', publicKey: null }]]);
  });

  it('dials a member named in --peer-dial-addr at the override, others at their advertised address', () => {
    const published: Map<string, PeerEndpoint>[] = [];
    const overrides = new Map([
      ['n3', 'tcp://127.0.0.1:9103'],
      ['n9', 'tcp://127.0.0.1:9109'],
    ]);
    const directory = new PeerDirectory(
      nodeId('n1'),
      { setPeers: (p) => published.push(new Map(p)) },
      () => {},
      overrides,
    );
    directory.maybeUpdate(configuration);
    expect([...published.at(-1)!]).toEqual([
      ['n2', { address: 'tcp://127.0.0.1:7002', publicKey: keyOf('n2') }],
      ['n3', { address: 'tcp://127.0.0.1:9103', publicKey: keyOf('n3') }],
    ]);
  });
});
