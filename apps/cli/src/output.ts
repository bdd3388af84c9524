// Renders results for the terminal: aligned tables, or JSON with keys and values as UTF-8 strings.
// Pure string building; the caller writes it out.
import type { KeyValue } from '@raftkv/kv';

export type OutputFormat = 'table' | 'json';

const decoder = new TextDecoder();

export function utf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** A key-value as plain JSON-friendly data. */
export function keyValueJson(pair: KeyValue) {
  return {
    key: utf8(pair.key),
    value: utf8(pair.value),
    createRevision: pair.createRevision,
    modRevision: pair.modRevision,
    version: pair.version,
  };
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, (_key, item: unknown) => (item instanceof Uint8Array ? utf8(item) : item), 2)}\n`;
}

/** Columns padded to their widest cell, headers first; no trailing spaces. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[headers, ...rows].map(line).join('\n')}\n`;
}
