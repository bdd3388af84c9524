// A property test of the write-ahead log's write pattern on the simulated file system: append then
// fdatasync before acknowledging; rewrite through a temporary file, fsync, rename, directory fsync,
// then remove the old segment. The power is cut at a random file-system call, again and again; every
// acknowledged record must survive, and recovery must find nothing that was never written. Variants
// that skip one sync must be caught. Seeds are printed.
import { type Prng, SeededPrng } from '@raftkv/raft';
import type { FileDescriptor, FileSystem } from '@raftkv/wal';
import { describe, expect, it } from 'vitest';
import { type PowerLossReport, SimulatedFileSystem } from '../src/internal/simulated-file-system.js';

const firstSeed = Number(process.env.RAFTKV_SEED ?? 12_500);
const seedCount = 150;
const roundsPerSeed = 6;
console.log(
  `simulated file system, write-ahead-log pattern: seeds ${firstSeed}..${firstSeed + seedCount - 1}`,
);

/** A step of the pattern that a broken variant leaves out. */
type Omission = 'none' | 'append-sync' | 'rewrite-sync' | 'rewrite-directory-sync';

const magic = Buffer.from('TESTWAL1', 'latin1');
const headerBytes = 8;
const segmentPattern = /^(\d{16})\.wal$/;
const segmentName = (number: number) => `${String(number).padStart(16, '0')}.wal`;

/** FNV-1a: enough to tell a whole record from a torn one here. */
function checksum(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(headerBytes);
  header.writeUInt32LE(payload.byteLength, 0);
  header.writeUInt32LE(checksum(payload), 4);
  return Buffer.concat([header, payload]);
}

/** The whole records after the magic, stopping at the first incomplete or damaged one (a torn tail). */
function scan(bytes: Buffer): { records: Buffer[]; validBytes: number } | null {
  if (bytes.byteLength < magic.byteLength || !bytes.subarray(0, magic.byteLength).equals(magic)) return null;
  const records: Buffer[] = [];
  let position = magic.byteLength;
  while (position + headerBytes <= bytes.byteLength) {
    const length = bytes.readUInt32LE(position);
    const end = position + headerBytes + length;
    if (end > bytes.byteLength) break;
    const payload = bytes.subarray(position + headerBytes, end);
    if (checksum(payload) !== bytes.readUInt32LE(position + 4)) break;
    records.push(Buffer.from(payload));
    position = end;
  }
  return { records, validBytes: position };
}

/** The power goes out before the file-system call that exhausts the budget. */
class PowerCut extends Error {}

/** Passes calls through to `inner` until the budget runs out, then cuts the power. */
class CuttingFileSystem implements FileSystem {
  constructor(
    private readonly inner: FileSystem,
    private budget: number,
  ) {}

  private spend(): void {
    this.budget -= 1;
    if (this.budget < 0) throw new PowerCut('power cut');
  }

  exists(path: string) {
    this.spend();
    return this.inner.exists(path);
  }
  makeDirectory(path: string) {
    this.spend();
    this.inner.makeDirectory(path);
  }
  listDirectory(path: string) {
    this.spend();
    return this.inner.listDirectory(path);
  }
  readFile(path: string) {
    this.spend();
    return this.inner.readFile(path);
  }
  open(path: string, mode: 'r+' | 'w+') {
    this.spend();
    return this.inner.open(path, mode);
  }
  write(descriptor: FileDescriptor, bytes: Uint8Array, offset: number, length: number, position: number) {
    this.spend();
    return this.inner.write(descriptor, bytes, offset, length, position);
  }
  syncData(descriptor: FileDescriptor) {
    this.spend();
    this.inner.syncData(descriptor);
  }
  sync(descriptor: FileDescriptor) {
    this.spend();
    this.inner.sync(descriptor);
  }
  truncate(descriptor: FileDescriptor, length: number) {
    this.spend();
    this.inner.truncate(descriptor, length);
  }
  close(descriptor: FileDescriptor) {
    this.spend();
    this.inner.close(descriptor);
  }
  rename(from: string, to: string) {
    this.spend();
    this.inner.rename(from, to);
  }
  remove(path: string) {
    this.spend();
    this.inner.remove(path);
  }
  syncDirectory(path: string) {
    this.spend();
    this.inner.syncDirectory(path);
  }
}

/**
 * A log of opaque records written the way WalLogStorage writes its segments (open, replay and
 * truncate a torn tail, append + fdatasync, rewrite via a temporary file), over the port.
 */
class PatternLog {
  /** Every record the log holds in memory, in order (what a rewrite writes). */
  readonly records: Buffer[] = [];
  /** How many of `records` a completed sync has made durable (acknowledged). */
  acknowledged = 0;
  /** Whether open() found and cut a torn tail. */
  cutTornTail = false;
  private descriptor: FileDescriptor = -1;
  private segmentNumber = 0;
  private segmentBytes = 0;

  constructor(
    private readonly fs: FileSystem,
    private readonly directory: string,
    private readonly omission: Omission,
  ) {}

  /** Replays the newest segment; the log returned holds exactly what it recovered. */
  open(): void {
    const { fs, directory } = this;
    if (!fs.exists(directory)) {
      fs.makeDirectory(directory);
      fs.syncDirectory(directory.slice(0, directory.lastIndexOf('/')) || '/');
    }
    const names = fs.listDirectory(directory);
    for (const name of names) if (name.endsWith('.tmp')) fs.remove(`${directory}/${name}`);
    const segments = names.filter((name) => segmentPattern.test(name)).sort();
    if (segments.length === 0) {
      this.writeSegment(1);
      return;
    }
    const newest = segments.at(-1)!;
    const path = `${directory}/${newest}`;
    this.segmentNumber = Number(segmentPattern.exec(newest)![1]);
    this.descriptor = fs.open(path, 'r+');
    const bytes = fs.readFile(path);
    const scanned = scan(bytes);
    if (scanned === null) throw new Error(`${path}: not a segment (${bytes.byteLength} bytes)`);
    this.records.push(...scanned.records);
    this.acknowledged = this.records.length;
    this.segmentBytes = scanned.validBytes;
    if (scanned.validBytes < bytes.byteLength) {
      this.cutTornTail = true;
      fs.truncate(this.descriptor, scanned.validBytes);
      fs.sync(this.descriptor);
    }
    for (const older of segments.slice(0, -1)) fs.remove(`${directory}/${older}`);
  }

  /** Appends one record; a durable append is acknowledged once its fdatasync returns. */
  append(payload: Buffer, durable: boolean): void {
    this.records.push(payload);
    this.writeFully(this.descriptor, frame(payload), this.segmentBytes);
    if (durable) {
      if (this.omission !== 'append-sync') this.fs.syncData(this.descriptor);
      this.acknowledged = this.records.length;
    }
  }

  rewrite(): void {
    this.writeSegment(this.segmentNumber + 1);
  }

  private writeSegment(number: number): void {
    const { fs, directory } = this;
    const finalPath = `${directory}/${segmentName(number)}`;
    const temporaryPath = `${finalPath}.tmp`;
    const descriptor = fs.open(temporaryPath, 'w+');
    const bytes = Buffer.concat([magic, ...this.records.map(frame)]);
    this.writeFully(descriptor, bytes, 0);
    if (this.omission !== 'rewrite-sync') fs.sync(descriptor);
    fs.rename(temporaryPath, finalPath);
    if (this.omission !== 'rewrite-directory-sync') fs.syncDirectory(directory);
    const previous = this.segmentNumber;
    if (this.descriptor >= 0) fs.close(this.descriptor);
    this.descriptor = descriptor;
    this.segmentNumber = number;
    this.segmentBytes = bytes.byteLength;
    this.acknowledged = this.records.length;
    if (previous > 0) fs.remove(`${directory}/${segmentName(previous)}`);
  }

  private writeFully(descriptor: FileDescriptor, bytes: Buffer, position: number): void {
    let offset = 0;
    while (offset < bytes.byteLength) {
      offset += this.fs.write(descriptor, bytes, offset, bytes.byteLength - offset, position + offset);
    }
    if (descriptor === this.descriptor) this.segmentBytes = position + offset;
  }
}

interface SeedOutcome {
  readonly violation: string | null;
  readonly reports: PowerLossReport[];
  readonly tornTailsCut: number;
  readonly acknowledged: number;
}

/** Rounds of: open (recover), run the workload until the power is cut at a random call, power loss. */
function runSeed(seed: number, omission: Omission): SeedOutcome {
  const random: Prng = new SeededPrng(seed);
  const disk = new SimulatedFileSystem();
  const reports: PowerLossReport[] = [];
  let tornTailsCut = 0;
  let acknowledgedTotal = 0;
  // What the previous round acknowledged and wrote, to check the next recovery against.
  let acknowledged: Buffer[] = [];
  let written: Buffer[] = [];
  let nextRecord = 0;
  for (let round = 0; round <= roundsPerSeed; round += 1) {
    const fs = new CuttingFileSystem(
      disk,
      round === roundsPerSeed ? Number.POSITIVE_INFINITY : 1 + random.nextInt(80),
    );
    const log = new PatternLog(fs, '/wal', omission);
    try {
      log.open();
      const recovered = log.records;
      const prefix = (short: readonly Buffer[], long: readonly Buffer[]) =>
        short.length <= long.length && short.every((record, index) => record.equals(long[index]!));
      if (!prefix(acknowledged, recovered)) {
        return {
          violation: `round ${round}: recovered ${recovered.length} records, lost some of the ${acknowledged.length} acknowledged`,
          reports,
          tornTailsCut,
          acknowledged: acknowledgedTotal,
        };
      }
      if (!prefix(recovered, written)) {
        return {
          violation: `round ${round}: recovered ${recovered.length} records that are not a prefix of the ${written.length} written`,
          reports,
          tornTailsCut,
          acknowledged: acknowledgedTotal,
        };
      }
      if (log.cutTornTail) tornTailsCut += 1;
      if (round === roundsPerSeed) break;
      for (;;) {
        const roll = random.nextInt(20);
        if (roll < 3) {
          log.rewrite();
        } else {
          const payload = Buffer.from(`record ${nextRecord} ${'x'.repeat(random.nextInt(40))}`, 'latin1');
          nextRecord += 1;
          log.append(payload, roll >= 6);
          acknowledgedTotal = Math.max(acknowledgedTotal, log.acknowledged);
        }
        acknowledged = log.records.slice(0, log.acknowledged);
        written = [...log.records];
      }
    } catch (error) {
      if (!(error instanceof PowerCut)) {
        return {
          violation: `round ${round}: ${String(error)}`,
          reports,
          tornTailsCut,
          acknowledged: acknowledgedTotal,
        };
      }
      // The cut may have come mid-append or mid-rewrite: whatever was in flight counts as written.
      if (log.records.length > 0) {
        acknowledged = log.records.slice(0, log.acknowledged);
        written = [...log.records];
      }
      reports.push(disk.powerLoss(random));
    }
  }
  return { violation: null, reports, tornTailsCut, acknowledged: acknowledgedTotal };
}

const seeds = Array.from({ length: seedCount }, (_, index) => firstSeed + index);

describe('the write-ahead log write pattern on the simulated file system', () => {
  it('keeps every acknowledged record and recovers nothing unwritten, whatever call the power is cut at', () => {
    const totals = {
      powerLosses: 0,
      tornWrites: 0,
      writesLost: 0,
      directoryOperationsLost: 0,
      tornTailsCut: 0,
    };
    let acknowledged = 0;
    for (const seed of seeds) {
      const outcome = runSeed(seed, 'none');
      expect(outcome.violation, `seed ${seed} (RAFTKV_SEED=${seed})`).toBeNull();
      for (const report of outcome.reports) {
        totals.powerLosses += 1;
        totals.tornWrites += report.tornWrites;
        totals.writesLost += report.writesLost;
        totals.directoryOperationsLost += report.directoryOperationsLost;
      }
      totals.tornTailsCut += outcome.tornTailsCut;
      acknowledged += outcome.acknowledged;
    }
    console.log('write-ahead-log pattern:', JSON.stringify({ ...totals, acknowledged }));
    // The faults the property is about must actually have happened.
    expect(totals.powerLosses).toBe(seedCount * roundsPerSeed);
    expect(totals.tornWrites).toBeGreaterThan(seedCount / 10);
    expect(totals.writesLost).toBeGreaterThan(seedCount / 10);
    expect(totals.directoryOperationsLost).toBeGreaterThan(seedCount / 10);
    expect(totals.tornTailsCut).toBeGreaterThan(seedCount / 10);
    expect(acknowledged).toBeGreaterThan(seedCount * 5);
  });

  const broken: ReadonlyArray<readonly [Omission, string]> = [
    ['append-sync', 'acknowledging an append before its fdatasync'],
    ['rewrite-sync', 'renaming a rewritten segment into place before its fsync'],
    ['rewrite-directory-sync', 'removing the old segment before the rename is made durable'],
  ];
  for (const [omission, description] of broken) {
    it(`catches ${description}`, () => {
      const caught = seeds.find((seed) => runSeed(seed, omission).violation !== null);
      console.log(`write-ahead-log pattern without ${omission}: first failing seed ${caught ?? 'none'}`);
      expect(caught, `no seed in ${firstSeed}..${firstSeed + seedCount - 1} caught it`).toBeDefined();
    });
  }
});
