// Damaging and setting aside a raftkvd data directory, for tests of what a node does with storage it
// must refuse: flip one byte in the middle of the newest write-ahead-log segment (damage a crash
// cannot explain, unlike a torn tail), and move a whole directory aside as an operator would.
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The write-ahead log's directory inside a data directory, and its segment file names (`@raftkv/wal`'s layout). */
const walDirectory = 'wal';
const walSegmentPattern = /^\d{16}\.wal$/;

export interface FlippedByte {
  /** The segment file that was damaged. */
  readonly file: string;
  readonly offset: number;
  readonly bytes: number;
}

/**
 * Inverts the byte in the middle of the newest segment under `<dataDir>/wal/`. The middle of a
 * segment with more than one record lies in a record that data follows, so the damage is not a torn
 * final append: raftkvd must refuse to open the log. Throws when there is no segment to damage.
 */
export function flipByteInWalSegment(dataDir: string): FlippedByte {
  const directory = join(dataDir, walDirectory);
  const segments = existsSync(directory)
    ? readdirSync(directory)
        .filter((name) => walSegmentPattern.test(name))
        .sort()
    : [];
  const newest = segments.at(-1);
  if (newest === undefined) throw new Error(`no write-ahead-log segment under ${directory}`);
  const file = join(directory, newest);
  const bytes = readFileSync(file);
  if (bytes.byteLength < 2) throw new Error(`${file} holds ${bytes.byteLength} bytes; nothing to damage`);
  const offset = Math.floor(bytes.byteLength / 2);
  bytes[offset] = (bytes[offset] ?? 0) ^ 0xff;
  writeFileSync(file, bytes);
  return { file, offset, bytes: bytes.byteLength };
}

/** Renames `directory` to `<directory>.damaged-<n>` (the first n not taken) and returns the new path. */
export function moveAside(directory: string): string {
  for (let attempt = 1; ; attempt += 1) {
    const target = `${directory}.damaged-${attempt}`;
    if (existsSync(target)) continue;
    renameSync(directory, target);
    return target;
  }
}
