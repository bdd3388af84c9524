// Network faults on the live local cluster: the launcher routes every peer link through a proxy
// (@raftkv/link-proxy, as the chaos runs do), and these commands cut, split, isolate and throttle
// those links outside the consensus code. Faults add up until `heal`, which restores every link.
import {
  cutBetween,
  isolate,
  type LinkKey,
  linkKey,
  type PeerNetwork,
  throttleShape,
} from '@raftkv/link-proxy';
import { CommandError } from './node-actions.js';

/** A network fault as the CLI and the dashboard name it. */
export type NetworkFault =
  | { readonly kind: 'partition'; readonly node: string }
  | { readonly kind: 'split'; readonly groups: readonly (readonly string[])[] }
  | { readonly kind: 'cut'; readonly from: string; readonly to: string }
  | { readonly kind: 'throttle'; readonly node: string; readonly kbit: number }
  | { readonly kind: 'heal' };

/** `256kbit`, `1.5mbit` → kbit/s; null when the text is not a rate. */
export function parseRate(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(kbit|mbit)$/i.exec(text.trim());
  if (match === null) return null;
  const kbit = Number(match[1]) * (match[2]!.toLowerCase() === 'mbit' ? 1000 : 1);
  return kbit >= 8 && kbit <= 10_000_000 ? kbit : null;
}

/** `n1,n2` → ['n1', 'n2'] */
export function parseGroup(text: string): string[] {
  return text
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
}

/** The network faults of a cluster: on its peer proxies, or none when its links go direct. */
export interface NetworkFaults {
  /** Applies `fault` and returns one line saying what changed; bad input throws CommandError. */
  apply(fault: NetworkFault): string;
  links(): ReturnType<PeerNetwork['links']>;
}

/** A cluster whose peers are not on 127.0.0.1 has no proxies: only `heal` is a (trivial) success. */
export const directLinks: NetworkFaults = {
  apply(fault) {
    if (fault.kind === 'heal') return 'Healed (peer links go direct in this cluster: nothing to heal)';
    throw new CommandError('peer links go direct in this cluster (not on 127.0.0.1): no network faults');
  },
  links: () => [],
};

export class LiveFaults implements NetworkFaults {
  private readonly blocked = new Set<LinkKey>();

  constructor(
    private readonly network: PeerNetwork,
    private readonly ids: readonly string[],
  ) {}

  apply(fault: NetworkFault): string {
    switch (fault.kind) {
      case 'partition': {
        this.known(fault.node);
        this.block(isolate(fault.node, this.ids));
        return `Isolated ${fault.node}: every link to and from it is cut`;
      }
      case 'split': {
        const groups = fault.groups.map((group) => [...group]);
        if (groups.length < 2 || groups.some((group) => group.length === 0))
          throw new CommandError('split needs at least two non-empty groups, e.g. split n1,n2 n3');
        const seen = new Set<string>();
        for (const id of groups.flat()) {
          this.known(id);
          if (seen.has(id)) throw new CommandError(`split names ${id} in two groups`);
          seen.add(id);
        }
        for (const [position, group] of groups.entries())
          for (const other of groups.slice(position + 1)) this.block(cutBetween(group, other));
        return `Split into ${groups.map((group) => `{${group.join(',')}}`).join(' ')}: no link between the groups`;
      }
      case 'cut': {
        this.known(fault.from);
        this.known(fault.to);
        if (fault.from === fault.to) throw new CommandError('cut needs two different nodes');
        this.block(new Set([linkKey(fault.from, fault.to)]));
        return `Cut ${fault.from} → ${fault.to} (one way: ${fault.to} still reaches ${fault.from})`;
      }
      case 'throttle': {
        this.known(fault.node);
        const links = this.network.throttleFrom(fault.node, throttleShape(fault.kbit));
        return `Throttled ${fault.node}'s ${links} outbound peer links to ${fault.kbit} kbit/s`;
      }
      case 'heal': {
        this.blocked.clear();
        this.network.heal();
        return 'Healed: every peer link flows, no throttle';
      }
    }
  }

  links(): ReturnType<PeerNetwork['links']> {
    return this.network.links();
  }

  private block(links: ReadonlySet<LinkKey>): void {
    for (const link of links) this.blocked.add(link);
    this.network.apply(this.blocked);
  }

  private known(id: string): void {
    if (!this.ids.includes(id))
      throw new CommandError(`no node ${id} behind the peer proxies; they are ${this.ids.join(', ')}`);
  }
}
