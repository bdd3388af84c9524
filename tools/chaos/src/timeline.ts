// The chaos run's timeline as one self-contained HTML page with an inline SVG: faults per family and
// who led — drawn by @raftkv/timeline, the same drawing as the live dashboard's — and every client
// operation as a bar coloured by outcome. Pure: returns a string.
import { type Axis, colours, escapeXml, type Lane, leaderSpans, renderLanes, xOf } from '@raftkv/timeline';
import type { FaultEvent } from './fault-executor.js';
import { faultFamilies } from './fault-plan.js';
import type { RecordedOperation } from './history-recorder.js';
import type { LeaderChange } from './leader-observer.js';

export interface TimelineInput {
  readonly title: string;
  readonly endAt: number;
  readonly healedAt: number;
  readonly operations: readonly RecordedOperation[];
  readonly faults: readonly FaultEvent[];
  readonly leaderChanges: readonly LeaderChange[];
}

const width = 1600;
const labelWidth = 110;
const rowHeight = 14;
const operationColours = {
  read: '#7fb3e0',
  write: '#3c9a4f',
  failed: '#b0b0b0',
  unknown: '#f39c12',
} as const;

export function renderTimeline(input: TimelineInput): string {
  const axis: Axis = {
    from: 0,
    to: Math.max(1, input.endAt),
    width,
    labelWidth,
    rowHeight,
    tickEveryMs: 10_000,
    tickLabel: (at) => `${at / 1000}s`,
  };
  const lanes: Lane[] = faultFamilies.map((family) => ({
    label: family,
    spans: input.faults
      .filter((fault) => fault.family === family)
      .map((fault) => ({
        start: fault.startedAt,
        end: fault.endedAt,
        fill: colours[family],
        title: `${fault.kind} ${fault.detail}`,
      })),
  }));
  lanes.push({ label: 'leader', spans: leaderSpans(input.leaderChanges, input.endAt) });
  const drawn = renderLanes(lanes, axis, 20);
  const rows: string[] = [drawn.markup];
  let y = drawn.bottom + 6;
  const processes = [...new Set(input.operations.map((operation) => operation.process))];
  for (const process of processes) {
    rows.push(`<text x="4" y="${y + rowHeight - 3}" font-size="11">${escapeXml(process)}</text>`);
    for (const operation of input.operations.filter((candidate) => candidate.process === process)) {
      rows.push(operationBar(operation, axis, y));
    }
    y += rowHeight;
  }
  const healed = xOf(axis, input.healedAt);
  rows.push(`<line x1="${healed}" x2="${healed}" y1="20" y2="${y}" stroke="#000" stroke-dasharray="4 3"/>`);
  const legend = Object.entries({
    ...operationColours,
    ...Object.fromEntries(faultFamilies.map((family) => [family, colours[family]])),
  })
    .map(([name, colour]) => `<span style="background:${colour};padding:0 8px;margin:0 4px"></span>${name}`)
    .join(' ');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeXml(input.title)}</title></head>
<body style="font-family:sans-serif"><h3>${escapeXml(input.title)}</h3><p>${legend}; dashed line: everything healed. Hover a bar for details.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}">${rows.join('')}</svg></body></html>
`;
}

function operationBar(operation: RecordedOperation, axis: Axis, y: number): string {
  const status = operation.outcome.status;
  const fill =
    status === 'ok'
      ? operation.input.type === 'get'
        ? operationColours.read
        : operationColours.write
      : operationColours[status];
  const left = xOf(axis, operation.invokedAt);
  const w = Math.max(0.5, xOf(axis, operation.completedAt) - left);
  const bar = `<rect x="${left.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowHeight - 3}" fill="${fill}"`;
  if (status === 'ok') return `${bar}/>`;
  return `${bar}><title>${escapeXml(`${operation.input.type} ${operation.input.key}: ${status} (${operation.error ?? ''})`)}</title></rect>`;
}
