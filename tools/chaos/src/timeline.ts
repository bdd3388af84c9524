// The chaos run's timeline as one self-contained HTML page with an inline SVG: faults per family,
// who led, and every client operation as a bar coloured by outcome. Pure: returns a string.
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
const colours = {
  read: '#7fb3e0',
  write: '#3c9a4f',
  failed: '#b0b0b0',
  unknown: '#f39c12',
  kill: '#c0392b',
  pause: '#8e44ad',
  partition: '#2c3e50',
  membership: '#16a085',
  gray: '#7f8c8d',
} as const;
const leaderPalette = [
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
];

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderTimeline(input: TimelineInput): string {
  const scale = (width - labelWidth - 10) / Math.max(1, input.endAt);
  const x = (at: number): number => labelWidth + Math.max(0, at) * scale;
  const processes = [...new Set(input.operations.map((operation) => operation.process))];
  const rows: string[] = [];
  let y = 30;
  const label = (text: string): void => {
    rows.push(`<text x="4" y="${y + rowHeight - 3}" font-size="11">${escapeHtml(text)}</text>`);
  };
  for (const family of faultFamilies) {
    label(family);
    for (const fault of input.faults.filter((candidate) => candidate.family === family)) {
      const w = Math.max(2, (fault.endedAt - fault.startedAt) * scale);
      rows.push(
        `<rect x="${x(fault.startedAt)}" y="${y}" width="${w}" height="${rowHeight - 2}" fill="${colours[family]}"><title>${escapeHtml(`${fault.kind} ${fault.detail}`)}</title></rect>`,
      );
    }
    y += rowHeight;
  }
  label('leader');
  input.leaderChanges.forEach((change, index) => {
    const end = input.leaderChanges[index + 1]?.at ?? input.endAt;
    const ids = [...new Set(input.leaderChanges.map((c) => c.leaderId).filter((id) => id !== null))];
    const fill =
      change.leaderId === null
        ? '#ffffff'
        : (leaderPalette[ids.indexOf(change.leaderId) % leaderPalette.length] ?? '#000');
    rows.push(
      `<rect x="${x(change.at)}" y="${y}" width="${Math.max(1, (end - change.at) * scale)}" height="${rowHeight - 2}" fill="${fill}" stroke="#ddd" stroke-width="0.5"><title>${escapeHtml(`${change.leaderId ?? 'no leader'} term ${change.term} from ${Math.round(change.at)} ms`)}</title></rect>`,
      change.leaderId === null
        ? ''
        : `<text x="${x(change.at) + 2}" y="${y + rowHeight - 4}" font-size="9" fill="#fff">${escapeHtml(change.leaderId)}</text>`,
    );
  });
  y += rowHeight + 6;
  for (const process of processes) {
    label(process);
    for (const operation of input.operations.filter((candidate) => candidate.process === process)) {
      rows.push(operationBar(operation, x, y, scale));
    }
    y += rowHeight;
  }
  rows.push(
    `<line x1="${x(input.healedAt)}" x2="${x(input.healedAt)}" y1="20" y2="${y}" stroke="#000" stroke-dasharray="4 3"/>`,
  );
  for (let second = 0; second * 1000 <= input.endAt; second += 10) {
    rows.push(`<text x="${x(second * 1000)}" y="14" font-size="10">${second}s</text>`);
  }
  const legend = Object.entries(colours)
    .map(([name, colour]) => `<span style="background:${colour};padding:0 8px;margin:0 4px"></span>${name}`)
    .join(' ');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title></head>
<body style="font-family:sans-serif"><h3>${escapeHtml(input.title)}</h3><p>${legend}; dashed line: everything healed. Hover a bar for details.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}">${rows.join('')}</svg></body></html>
`;
}

function operationBar(
  operation: RecordedOperation,
  x: (at: number) => number,
  y: number,
  scale: number,
): string {
  const status = operation.outcome.status;
  const fill =
    status === 'ok' ? (operation.input.type === 'get' ? colours.read : colours.write) : colours[status];
  const w = Math.max(0.5, (operation.completedAt - operation.invokedAt) * scale);
  const bar = `<rect x="${x(operation.invokedAt).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowHeight - 3}" fill="${fill}"`;
  if (status === 'ok') return `${bar}/>`;
  return `${bar}><title>${escapeHtml(`${operation.input.type} ${operation.input.key}: ${status} (${operation.error ?? ''})`)}</title></rect>`;
}
