// Network partitions as sets of blocked directed peer links ("n1>n2": n1's messages to n2 are cut).
// Pure functions over node ids; the peer network applies the sets. No sockets here.

export type LinkKey = `${string}>${string}`;

export const linkKey = (from: string, to: string): LinkKey => `${from}>${to}`;

/** Every link between `a` and `b`, in both directions. */
export function cutBetween(a: readonly string[], b: readonly string[]): Set<LinkKey> {
  const blocked = new Set<LinkKey>();
  for (const from of a) {
    for (const to of b) {
      if (from === to) continue;
      blocked.add(linkKey(from, to));
      blocked.add(linkKey(to, from));
    }
  }
  return blocked;
}

/** `node` can neither send to nor hear from anyone. */
export function isolate(node: string, nodes: readonly string[]): Set<LinkKey> {
  return cutBetween([node], nodes);
}

/** Two sides that cannot talk: a minority of ⌊(n−1)/2⌋ (at least one) and the rest, as ordered. */
export function splitMajorityMinority(shuffled: readonly string[]): {
  blocked: Set<LinkKey>;
  minority: string[];
  majority: string[];
} {
  const minoritySize = Math.max(1, Math.floor((shuffled.length - 1) / 2));
  const minority = shuffled.slice(0, minoritySize);
  const majority = shuffled.slice(minoritySize);
  return { blocked: cutBetween(minority, majority), minority, majority };
}

/**
 * Jepsen's bridge: two halves that cannot talk to each other, and one node (the first) that talks
 * to both. With 3 nodes: a and c cannot talk, b hears both.
 */
export function bridge(shuffled: readonly string[]): { blocked: Set<LinkKey>; bridgeNode: string } {
  const [bridgeNode, ...rest] = shuffled;
  if (bridgeNode === undefined) return { blocked: new Set(), bridgeNode: '' };
  const half = Math.ceil(rest.length / 2);
  return { blocked: cutBetween(rest.slice(0, half), rest.slice(half)), bridgeNode };
}

/** Only one direction: `node` can still hear everyone (inbound) but not be heard, or the reverse. */
export function oneWay(
  node: string,
  nodes: readonly string[],
  direction: 'outbound' | 'inbound',
): Set<LinkKey> {
  const blocked = new Set<LinkKey>();
  for (const other of nodes) {
    if (other === node) continue;
    blocked.add(direction === 'outbound' ? linkKey(node, other) : linkKey(other, node));
  }
  return blocked;
}
