// Partitions as blocked directed links: who can still hear whom under each shape.
import { describe, expect, it } from 'vitest';
import { bridge, cutBetween, isolate, linkKey, oneWay, splitMajorityMinority } from '../src/partitions.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('partitions', () => {
  it('isolating a node cuts both directions to every other node and nothing else', () => {
    const blocked = isolate('n2', nodes);
    expect(blocked.size).toBe(8);
    expect(blocked).toContain(linkKey('n2', 'n5'));
    expect(blocked).toContain(linkKey('n5', 'n2'));
    expect(blocked).not.toContain(linkKey('n1', 'n3'));
  });

  it('a majority/minority split leaves a quorum on one side', () => {
    const split = splitMajorityMinority(nodes);
    expect(split.minority).toEqual(['n1', 'n2']);
    expect(split.majority).toEqual(['n3', 'n4', 'n5']);
    expect(split.blocked.size).toBe(12);
    expect(splitMajorityMinority(['a', 'b', 'c']).minority).toEqual(['a']);
  });

  it('a bridge node hears both halves, which cannot hear each other', () => {
    const { blocked, bridgeNode } = bridge(nodes);
    expect(bridgeNode).toBe('n1');
    for (const other of nodes) expect(blocked).not.toContain(linkKey('n1', other));
    expect(blocked).toContain(linkKey('n2', 'n4'));
    expect(blocked).not.toContain(linkKey('n2', 'n3'));
    expect(bridge(['a', 'b', 'c']).blocked).toEqual(cutBetween(['b'], ['c']));
  });

  it('a one-way cut blocks one direction only', () => {
    const outbound = oneWay('n1', nodes, 'outbound');
    expect(outbound).toContain(linkKey('n1', 'n2'));
    expect(outbound).not.toContain(linkKey('n2', 'n1'));
    const inbound = oneWay('n1', nodes, 'inbound');
    expect(inbound).toContain(linkKey('n2', 'n1'));
    expect(inbound).not.toContain(linkKey('n1', 'n2'));
  });
});
