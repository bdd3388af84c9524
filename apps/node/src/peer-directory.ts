// Keeps the peer transport's address book equal to the latest configuration in the log (thesis §4.1:
// a server uses the latest configuration, committed or not), plus the members a joining node learned
// from the cluster before its own log holds any configuration. No Raft logic; no sockets of its own.
import type { Configuration, NodeId } from '@raftkv/raft';
import type { PeerEndpoint } from '@raftkv/transport-zmq';
import { type MemberAddress, parseMemberAddress } from './member-address.js';

export interface PeerAddressBook {
  setPeers(peers: ReadonlyMap<NodeId, PeerEndpoint>): void;
}

export class PeerDirectory {
  private configuration: Configuration | null = null;
  private learned = new Map<NodeId, MemberAddress>();
  private readonly unparseable = new Set<string>();

  constructor(
    private readonly selfId: NodeId,
    private readonly transport: PeerAddressBook,
    private readonly onUnparseableAddress: (id: NodeId, address: string) => void,
    /** Members to dial at another address than the advertised one (--peer-dial-addr). */
    private readonly dialOverrides: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** Call with the node's latest configuration; returns whether it differs from the last one seen. */
  maybeUpdate(configuration: Configuration): boolean {
    if (configuration === this.configuration) return false;
    this.configuration = configuration;
    this.publish();
    return true;
  }

  /** Members a joining node was told about, used only for ids the configuration does not list. */
  learn(members: ReadonlyMap<NodeId, MemberAddress>): void {
    this.learned = new Map(members);
    this.publish();
  }

  /** The advertised addresses of a member, from the configuration first. */
  addressOf(id: NodeId): MemberAddress | null {
    const member = this.configuration?.members.find((candidate) => candidate.id === id);
    if (member !== undefined) return parseMemberAddress(member.address);
    return this.learned.get(id) ?? null;
  }

  private publish(): void {
    const peers = new Map<NodeId, PeerEndpoint>();
    for (const [id, address] of this.learned)
      peers.set(id, { address: address.peer, publicKey: address.key ?? null });
    for (const member of this.configuration?.members ?? []) {
      const address = parseMemberAddress(member.address);
      if (address !== null) {
        peers.set(member.id, { address: address.peer, publicKey: address.key ?? null });
      } else if (!this.unparseable.has(member.address)) {
        this.unparseable.add(member.address);
        this.onUnparseableAddress(member.id, member.address);
      }
    }
    peers.delete(this.selfId);
    for (const [id, peer] of peers) {
      peers.set(id, { address: this.dialOverrides.get(id) ?? peer.address, publicKey: peer.publicKey });
    }
    this.transport.setPeers(peers);
  }
}
