// The one drawing of a cluster over time, shared by the chaos runs' timeline.html and the live
// dashboard: lanes of coloured spans (faults, who led, each member up/down/paused) on a time axis,
// as an SVG string. Pure: no clock, no I/O; the caller passes the times in.

/** One coloured interval of a lane; `title` shows on hover. */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly fill: string;
  readonly title: string;
  /** A short label drawn inside the span (a leader's id). */
  readonly text?: string;
}

export interface Lane {
  readonly label: string;
  readonly spans: readonly Span[];
}

export interface Axis {
  /** The time at the left edge and at the right edge (ms, any origin). */
  readonly from: number;
  readonly to: number;
  /** Pixels, labels included. */
  readonly width: number;
  readonly labelWidth: number;
  readonly rowHeight: number;
  /** A tick every this many ms, labelled by `tickLabel`. */
  readonly tickEveryMs: number;
  readonly tickLabel: (at: number) => string;
}

/** The colours of faults and member states, the same in a chaos report and on the dashboard. */
export const colours = {
  kill: '#c0392b',
  down: '#c0392b',
  pause: '#8e44ad',
  paused: '#8e44ad',
  partition: '#2c3e50',
  membership: '#16a085',
  throttle: '#d68910',
  gray: '#7f8c8d',
  up: '#d5e8d4',
  noLeader: '#ffffff',
} as const;

/** Leaders get colours by their order of first appearance. */
export const leaderPalette = [
  '#e6194b',
  '#3cb44b',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#42d4f4',
  '#f032e6',
  '#bfef45',
  '#9a6324',
  '#469990',
  '#800000',
] as const;

export const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface LeaderChange {
  readonly at: number;
  readonly leaderId: string | null;
  readonly term: number;
}

/** The leader lane's spans: each leadership from its change to the next (or `endAt`). */
export function leaderSpans(changes: readonly LeaderChange[], endAt: number): Span[] {
  const ids = [...new Set(changes.map((change) => change.leaderId).filter((id) => id !== null))];
  return changes.map((change, index) => {
    const end = changes[index + 1]?.at ?? endAt;
    const fill =
      change.leaderId === null
        ? colours.noLeader
        : (leaderPalette[ids.indexOf(change.leaderId) % leaderPalette.length] ?? '#000');
    return {
      start: change.at,
      end,
      fill,
      title: `${change.leaderId ?? 'no leader'} term ${change.term}`,
      ...(change.leaderId === null ? {} : { text: change.leaderId }),
    };
  });
}

/**
 * The lanes as SVG rows from `top` (pixels) down, with the time ticks above them; returns the
 * markup (no <svg> wrapper) and the y below the last lane, so a caller can add rows of its own.
 */
export function renderLanes(
  lanes: readonly Lane[],
  axis: Axis,
  top = 20,
): { markup: string; bottom: number } {
  const scale = (axis.width - axis.labelWidth - 10) / Math.max(1, axis.to - axis.from);
  const x = (at: number): number => axis.labelWidth + Math.max(0, Math.min(axis.to, at) - axis.from) * scale;
  const parts: string[] = [];
  const firstTick = Math.ceil(axis.from / axis.tickEveryMs) * axis.tickEveryMs;
  for (let at = firstTick; at <= axis.to; at += axis.tickEveryMs) {
    parts.push(
      `<text x="${x(at).toFixed(1)}" y="${top - 6}" font-size="10">${escapeXml(axis.tickLabel(at))}</text>`,
    );
  }
  let y = top;
  for (const lane of lanes) {
    parts.push(`<text x="4" y="${y + axis.rowHeight - 3}" font-size="11">${escapeXml(lane.label)}</text>`);
    for (const span of lane.spans) {
      if (span.end < axis.from || span.start > axis.to) continue;
      const left = x(span.start);
      const width = Math.max(2, x(span.end) - left);
      parts.push(
        `<rect x="${left.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${axis.rowHeight - 2}" fill="${span.fill}" stroke="#ddd" stroke-width="0.5"><title>${escapeXml(span.title)}</title></rect>`,
      );
      if (span.text !== undefined && width > 14)
        parts.push(
          `<text x="${(left + 2).toFixed(1)}" y="${y + axis.rowHeight - 4}" font-size="9" fill="#fff">${escapeXml(span.text)}</text>`,
        );
    }
    y += axis.rowHeight;
  }
  return { markup: parts.join(''), bottom: y };
}

/** The x of time `at` on `axis`, for callers that draw rows of their own below the lanes. */
export function xOf(axis: Axis, at: number): number {
  const scale = (axis.width - axis.labelWidth - 10) / Math.max(1, axis.to - axis.from);
  return axis.labelWidth + Math.max(0, Math.min(axis.to, at) - axis.from) * scale;
}
