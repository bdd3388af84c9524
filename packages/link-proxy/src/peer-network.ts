// The harness-controlled peer network: one LinkProxy per directed link between every pair of ids in
// the pool, and each node's --peer-dial-addr flag that routes its DEALERs through them. Applies a
// set of blocked links (see partitions.ts) and throttles a node's outbound links; heal() unblocks
// all and stops every throttle. Client and HTTP traffic is direct.
import { LinkProxy, type ThrottleShape } from './link-proxy.js';
import { type LinkKey, linkKey } from './partitions.js';

export class PeerNetwork {
  private blocked = new Set<LinkKey>();

  private constructor(private readonly proxies: ReadonlyMap<LinkKey, LinkProxy>) {}

  /** Opens a proxy for every ordered pair of ids; `peerPortOf(id)` is the port id's ROUTER binds. */
  static async open(ids: readonly string[], peerPortOf: (id: string) => number): Promise<PeerNetwork> {
    const proxies = new Map<LinkKey, LinkProxy>();
    for (const from of ids) {
      for (const to of ids) {
        if (from !== to) proxies.set(linkKey(from, to), await LinkProxy.open(() => peerPortOf(to)));
      }
    }
    return new PeerNetwork(proxies);
  }

  /** raftkvd's --peer-dial-addr value for `from`: every other id at its proxy. */
  dialOverrides(from: string): string {
    return [...this.proxies]
      .filter(([key]) => key.startsWith(`${from}>`))
      .map(([key, proxy]) => `${key.slice(from.length + 1)}=tcp://127.0.0.1:${proxy.port}`)
      .join(',');
  }

  /** Blocks exactly `links` (everything else flows). */
  apply(links: ReadonlySet<LinkKey>): void {
    this.blocked = new Set(links);
    for (const [key, proxy] of this.proxies) proxy.setCut(this.blocked.has(key));
  }

  heal(): void {
    this.apply(new Set());
    this.unthrottle();
  }

  /** Shapes every outbound peer link of `from` (its messages to every other id); returns how many. */
  throttleFrom(from: string, shape: ThrottleShape): number {
    let links = 0;
    for (const [key, proxy] of this.proxies) {
      if (!key.startsWith(`${from}>`)) continue;
      proxy.setThrottle(shape);
      links += 1;
    }
    return links;
  }

  unthrottle(): void {
    for (const proxy of this.proxies.values()) if (proxy.isThrottled) proxy.setThrottle(null);
  }

  /** Connections dropped so far because a throttled link's queue overflowed. */
  throttleDrops(): number {
    let total = 0;
    for (const proxy of this.proxies.values()) total += proxy.throttleDrops;
    return total;
  }

  /** Every directed link with its state now, for a live view. */
  links(): Array<{
    readonly from: string;
    readonly to: string;
    readonly cut: boolean;
    readonly throttled: boolean;
  }> {
    return [...this.proxies].map(([key, proxy]) => {
      const [from = '', to = ''] = key.split('>');
      return { from, to, cut: proxy.isCut, throttled: proxy.isThrottled };
    });
  }

  get blockedLinks(): ReadonlySet<LinkKey> {
    return this.blocked;
  }

  droppedConnections(): number {
    let total = 0;
    for (const proxy of this.proxies.values()) total += proxy.droppedConnections;
    return total;
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.close()));
  }
}
