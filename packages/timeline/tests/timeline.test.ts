// The shared drawing: one rect per visible span, leaders coloured by first appearance, spans
// outside the window left out, every text escaped, ticks on the axis.
import { describe, expect, it } from 'vitest';
import { type Axis, colours, leaderPalette, leaderSpans, renderLanes, xOf } from '../src/index.js';

const axis: Axis = {
  from: 1000,
  to: 11_000,
  width: 1110,
  labelWidth: 100,
  rowHeight: 10,
  tickEveryMs: 5000,
  tickLabel: (at) => `t${at}`,
};

describe('timeline drawing', () => {
  it('colours leaders by first appearance and leaves white where none led', () => {
    const spans = leaderSpans(
      [
        { at: 0, leaderId: 'n2', term: 1 },
        { at: 10, leaderId: null, term: 1 },
        { at: 20, leaderId: 'n1', term: 2 },
        { at: 30, leaderId: 'n2', term: 3 },
      ],
      40,
    );
    expect(spans.map((span) => [span.start, span.end, span.fill, span.text])).toEqual([
      [0, 10, leaderPalette[0], 'n2'],
      [10, 20, colours.noLeader, undefined],
      [20, 30, leaderPalette[1], 'n1'],
      [30, 40, leaderPalette[0], 'n2'],
    ]);
  });

  it('draws one rect per span in the window, escapes text, and ticks the axis', () => {
    const { markup, bottom } = renderLanes(
      [
        { label: 'faults <1>', spans: [{ start: 2000, end: 4000, fill: '#000', title: 'cut "a" & b' }] },
        {
          label: 'n1',
          spans: [
            { start: 0, end: 500, fill: '#111', title: 'before the window' },
            { start: 12_000, end: 13_000, fill: '#222', title: 'after it' },
            { start: 500, end: 20_000, fill: '#333', title: 'across it', text: 'n1' },
          ],
        },
      ],
      axis,
      20,
    );
    expect(markup.match(/<rect /g)).toHaveLength(2);
    expect(markup).toContain('faults &lt;1&gt;');
    expect(markup).toContain('cut &quot;a&quot; &amp; b');
    expect(markup).not.toContain('before the window');
    expect(markup).toContain('>t5000<');
    expect(markup).toContain('>t10000<');
    expect(bottom).toBe(40);
    expect(xOf(axis, 1000)).toBe(100);
    expect(xOf(axis, 11_000)).toBe(1100);
    expect(xOf(axis, 50_000)).toBe(1100);
  });
});
