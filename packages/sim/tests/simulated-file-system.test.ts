// Tests of the simulated file system: synced data survives any power loss, a process crash loses
// nothing, after power loss a file is its durable data plus a prefix of its later writes (the last
// possibly torn), directory entries and renames are durable only once their directory is synced,
// and the injected faults (ENOSPC, EIO, bit flips) and node:fs errors behave. Seeds are printed.
import { type Prng, SeededPrng } from '@raftkv/raft';
import { describe, expect, it } from 'vitest';
import {
  FileSystemError,
  type PowerLossReport,
  SimulatedFileSystem,
} from '../src/internal/simulated-file-system.js';

const firstSeed = Number(process.env.RAFTKV_SEED ?? 12_000);
const seedCount = 300;
const seeds = Array.from({ length: seedCount }, (_, index) => firstSeed + index);
console.log(`simulated file system: seeds ${firstSeed}..${firstSeed + seedCount - 1}`);

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const text = (buffer: Buffer): string => buffer.toString('latin1');

function writeAll(fs: SimulatedFileSystem, descriptor: number, data: Buffer, position: number): void {
  expect(fs.write(descriptor, data, 0, data.byteLength, position)).toBe(data.byteLength);
}

/** A file holding `content`, its data and every directory entry on its path durable. */
function durableFile(fs: SimulatedFileSystem, path: string, content: string): number {
  const directory = path.slice(0, path.lastIndexOf('/')) || '/';
  fs.makeDirectory(directory);
  const descriptor = fs.open(path, 'w+');
  writeAll(fs, descriptor, bytes(content), 0);
  fs.syncData(descriptor);
  syncPath(fs, directory);
  return descriptor;
}

/** syncDirectory of `directory` and of every directory above it. */
function syncPath(fs: SimulatedFileSystem, directory: string): void {
  const names = directory.split('/').filter((name) => name !== '');
  for (let depth = 0; depth <= names.length; depth += 1)
    fs.syncDirectory(`/${names.slice(0, depth).join('/')}`);
}

function codeOf(body: () => unknown): string | undefined {
  try {
    body();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  throw new Error('expected the operation to throw');
}

/** Every path in the tree, each with its contents ('/' for a directory). */
function tree(fs: SimulatedFileSystem, directory = '/'): Map<string, string> {
  const result = new Map<string, string>();
  for (const name of fs.listDirectory(directory).sort()) {
    const path = directory === '/' ? `/${name}` : `${directory}/${name}`;
    expect(fs.exists(path), path).toBe(true);
    const code = (() => {
      try {
        fs.listDirectory(path);
        return 'directory';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    })();
    if (code === 'directory') {
      result.set(path, '/');
      for (const [inner, content] of tree(fs, path)) result.set(inner, content);
    } else {
      expect(code, path).toBe('ENOTDIR');
      result.set(path, fs.readFile(path).toString('hex'));
    }
  }
  return result;
}

/** Runs `scenario` on a fresh file system per seed, cuts the power, and tallies what `observe` says. */
function tallyOverSeeds(
  scenario: (fs: SimulatedFileSystem) => void,
  observe: (fs: SimulatedFileSystem, report: PowerLossReport, seed: number) => string,
): Map<string, number> {
  const tally = new Map<string, number>();
  for (const seed of seeds) {
    const fs = new SimulatedFileSystem();
    scenario(fs);
    const report = fs.powerLoss(new SeededPrng(seed));
    const outcome = observe(fs, report, seed);
    tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
  }
  return tally;
}

// ---- a deliberately simple model of one file's data, to check power loss against ----

type ModelOperation =
  | { readonly kind: 'write'; readonly position: number; readonly data: number[] }
  | { readonly kind: 'truncate'; readonly length: number };

function applyModel(content: readonly number[], operation: ModelOperation, tornBytes?: number): number[] {
  const result = [...content];
  if (operation.kind === 'truncate') {
    while (result.length < operation.length) result.push(0);
    result.length = operation.length;
    return result;
  }
  const data = tornBytes === undefined ? operation.data : operation.data.slice(0, tornBytes);
  while (result.length < operation.position) result.push(0);
  data.forEach((byte, index) => {
    result[operation.position + index] = byte;
  });
  return result;
}

/** The (kept, torn) outcomes that explain `actual` and agree with the report. */
function explanations(
  durable: readonly number[],
  pending: readonly ModelOperation[],
  actual: readonly number[],
  report: PowerLossReport,
): Array<{ kept: number; torn: boolean }> {
  const found: Array<{ kept: number; torn: boolean }> = [];
  const same = (candidate: readonly number[]) =>
    candidate.length === actual.length && candidate.every((byte, index) => byte === actual[index]);
  let state = [...durable];
  for (let kept = 0; kept <= pending.length; kept += 1) {
    const lost = pending.length - kept;
    if (same(state) && report.tornWrites === 0 && report.writesLost === lost)
      found.push({ kept, torn: false });
    const next = pending[kept];
    if (next?.kind === 'write' && report.tornWrites === 1 && report.writesLost === lost - 1) {
      for (let tornBytes = 1; tornBytes < next.data.length; tornBytes += 1) {
        if (same(applyModel(state, next, tornBytes))) {
          found.push({ kept, torn: true });
          break;
        }
      }
    }
    if (next !== undefined) state = applyModel(state, next);
  }
  return found;
}

function randomBytes(random: Prng, length: number): number[] {
  return Array.from({ length }, () => random.nextInt(256));
}

describe('SimulatedFileSystem: file data across power loss', () => {
  it('synced data survives any power loss', () => {
    const tally = tallyOverSeeds(
      (fs) => {
        const descriptor = durableFile(fs, '/d/f', 'durable');
        writeAll(fs, descriptor, bytes(' and more'), 7);
        fs.sync(descriptor);
      },
      (fs, report, seed) => {
        expect(text(fs.readFile('/d/f')), `seed ${seed}`).toBe('durable and more');
        expect(report, `seed ${seed}`).toEqual({
          filesAffected: 0,
          writesLost: 0,
          tornWrites: 0,
          directoryOperationsLost: 0,
          entriesVanished: 0,
        });
        return 'intact';
      },
    );
    expect(tally.get('intact')).toBe(seedCount);
  });

  it('a process crash keeps unsynced writes and invalidates every descriptor', () => {
    const fs = new SimulatedFileSystem();
    const descriptor = durableFile(fs, '/d/f', 'synced');
    writeAll(fs, descriptor, bytes('+unsynced'), 6);
    const other = fs.open('/d/g', 'w+');
    writeAll(fs, other, bytes('never synced'), 0);
    fs.crash();
    expect(text(fs.readFile('/d/f'))).toBe('synced+unsynced');
    expect(text(fs.readFile('/d/g'))).toBe('never synced');
    expect(codeOf(() => fs.write(descriptor, bytes('x'), 0, 1, 0))).toBe('EBADF');
    expect(codeOf(() => fs.syncData(other))).toBe('EBADF');
    // The unsynced writes are still unsynced: a later power loss may take them.
    const tally = tallyOverSeeds(
      (fresh) => {
        const d = durableFile(fresh, '/d/f', 'synced');
        writeAll(fresh, d, bytes('+unsynced'), 6);
        fresh.crash();
      },
      (fresh) => text(fresh.readFile('/d/f')),
    );
    expect(tally.get('synced')).toBeGreaterThan(0);
    expect(tally.get('synced+unsynced')).toBeGreaterThan(0);
  });

  it('after power loss a file is its durable data plus a prefix of later writes, the last possibly torn', () => {
    const outcomes = { lostAll: 0, keptSome: 0, keptAll: 0, torn: 0 };
    for (const seed of seeds) {
      const random = new SeededPrng(seed);
      const fs = new SimulatedFileSystem();
      const descriptor = durableFile(fs, '/d/f', '');
      let durable: number[] = [];
      let volatile: number[] = [];
      let pending: ModelOperation[] = [];
      const steps = 1 + random.nextInt(30);
      for (let step = 0; step < steps; step += 1) {
        const roll = random.nextInt(10);
        if (roll < 6) {
          const data = randomBytes(random, 1 + random.nextInt(20));
          const where = random.nextInt(10);
          const position =
            where < 7
              ? volatile.length
              : where < 9
                ? random.nextInt(volatile.length + 1)
                : volatile.length + 1 + random.nextInt(8);
          writeAll(fs, descriptor, Buffer.from(data), position);
          const operation: ModelOperation = { kind: 'write', position, data };
          volatile = applyModel(volatile, operation);
          pending.push(operation);
        } else if (roll === 6) {
          const length = random.nextInt(volatile.length + 6);
          fs.truncate(descriptor, length);
          const operation: ModelOperation = { kind: 'truncate', length };
          volatile = applyModel(volatile, operation);
          pending.push(operation);
        } else {
          if (roll === 7) fs.syncData(descriptor);
          else fs.sync(descriptor);
          durable = volatile;
          pending = [];
        }
        expect([...fs.readFile('/d/f')], `seed ${seed} step ${step}`).toEqual(volatile);
      }
      const report = fs.powerLoss(random);
      const actual = [...fs.readFile('/d/f')];
      const found = explanations(durable, pending, actual, report);
      expect(found.length, `seed ${seed}: ${JSON.stringify(report)} explains nothing`).toBeGreaterThan(0);
      expect(report.directoryOperationsLost, `seed ${seed}`).toBe(0);
      expect(report.entriesVanished, `seed ${seed}`).toBe(0);
      const explanation = found[0]!;
      const complete = explanation.kept === pending.length && !explanation.torn;
      expect(report.filesAffected, `seed ${seed}`).toBe(complete ? 0 : 1);
      if (pending.length > 0) {
        if (explanation.torn) outcomes.torn += 1;
        else if (explanation.kept === 0) outcomes.lostAll += 1;
        else if (explanation.kept < pending.length) outcomes.keptSome += 1;
        else outcomes.keptAll += 1;
      }
      // After the power loss what is on disk is durable: a second power loss changes nothing.
      const second = fs.powerLoss(new SeededPrng(seed + 1));
      expect([...fs.readFile('/d/f')], `seed ${seed}`).toEqual(actual);
      expect(second.writesLost + second.tornWrites + second.filesAffected).toBe(0);
      expect(codeOf(() => fs.syncData(descriptor))).toBe('EBADF');
    }
    console.log('simulated file system: power-loss outcomes', JSON.stringify(outcomes));
    expect(outcomes.lostAll).toBeGreaterThan(seedCount / 20);
    expect(outcomes.keptSome).toBeGreaterThan(seedCount / 20);
    expect(outcomes.keptAll).toBeGreaterThan(seedCount / 50);
    expect(outcomes.torn).toBeGreaterThan(seedCount / 20);
  });

  it('is deterministic: the same operations and seed give the same disk and report', () => {
    const run = (seed: number) => {
      const fs = new SimulatedFileSystem();
      const descriptor = durableFile(fs, '/d/f', 'base');
      for (let index = 0; index < 10; index += 1)
        writeAll(fs, descriptor, bytes(`record ${index};`), 4 + index * 10);
      const created = fs.open('/d/new', 'w+');
      writeAll(fs, created, bytes('new file'), 0);
      const report = fs.powerLoss(new SeededPrng(seed));
      return { report, f: text(fs.readFile('/d/f')), names: fs.listDirectory('/d').sort() };
    };
    for (const seed of seeds.slice(0, 20)) expect(run(seed), `seed ${seed}`).toEqual(run(seed));
  });
});

describe('SimulatedFileSystem: directory entries across power loss', () => {
  it('a created file whose directory was not synced may vanish; once synced it stays', () => {
    const unsynced = tallyOverSeeds(
      (fs) => {
        fs.makeDirectory('/d');
        fs.syncDirectory('/');
        const descriptor = fs.open('/d/f', 'w+');
        writeAll(fs, descriptor, bytes('data'), 0);
        fs.syncData(descriptor);
      },
      (fs, report, seed) => {
        if (!fs.exists('/d/f')) {
          expect(report.entriesVanished, `seed ${seed}`).toBe(1);
          expect(report.directoryOperationsLost, `seed ${seed}`).toBe(1);
          return 'vanished';
        }
        expect(text(fs.readFile('/d/f')), `seed ${seed}`).toBe('data');
        return 'kept';
      },
    );
    expect(unsynced.get('vanished')).toBeGreaterThan(seedCount / 10);
    expect(unsynced.get('kept')).toBeGreaterThan(seedCount / 10);
    const synced = tallyOverSeeds(
      (fs) => {
        durableFile(fs, '/d/f', 'data');
      },
      (fs) => (fs.exists('/d/f') ? text(fs.readFile('/d/f')) : 'vanished'),
    );
    expect(synced).toEqual(new Map([['data', seedCount]]));
  });

  it('a file is durable only when every directory on its path is synced (mkdir -p)', () => {
    const parentOnly = tallyOverSeeds(
      (fs) => {
        fs.makeDirectory('/a/b/');
        const descriptor = fs.open('/a/b/f', 'w+');
        writeAll(fs, descriptor, bytes('data'), 0);
        fs.sync(descriptor);
        fs.syncDirectory('/a/b');
      },
      (fs) => (fs.exists('/a/b/f') ? 'kept' : fs.exists('/a') ? 'lost below /a' : 'lost /a'),
    );
    expect(parentOnly.get('kept')).toBeGreaterThan(0);
    expect((parentOnly.get('lost /a') ?? 0) + (parentOnly.get('lost below /a') ?? 0)).toBeGreaterThan(0);
    const whole = tallyOverSeeds(
      (fs) => {
        durableFile(fs, '/a/b/f', 'data');
      },
      (fs) => (fs.exists('/a/b/f') ? 'kept' : 'lost'),
    );
    expect(whole).toEqual(new Map([['kept', seedCount]]));
  });

  it('a removed file may come back unless its directory was synced', () => {
    const unsynced = tallyOverSeeds(
      (fs) => {
        durableFile(fs, '/d/f', 'data');
        fs.remove('/d/f');
        expect(fs.exists('/d/f')).toBe(false);
      },
      (fs) => (fs.exists('/d/f') ? text(fs.readFile('/d/f')) : 'gone'),
    );
    expect(unsynced.get('data')).toBeGreaterThan(0);
    expect(unsynced.get('gone')).toBeGreaterThan(0);
    const synced = tallyOverSeeds(
      (fs) => {
        durableFile(fs, '/d/f', 'data');
        fs.remove('/d/f');
        fs.syncDirectory('/d');
      },
      (fs) => (fs.exists('/d/f') ? 'back' : 'gone'),
    );
    expect(synced).toEqual(new Map([['gone', seedCount]]));
  });

  it('a rename is atomic: after power loss the file is under exactly the old or the new name', () => {
    const setUp = (fs: SimulatedFileSystem) => {
      durableFile(fs, '/d/seg', 'old segment');
      const temporary = durableFile(fs, '/d/seg.tmp', 'new segment');
      fs.rename('/d/seg.tmp', '/d/seg');
      fs.close(temporary);
      expect(fs.listDirectory('/d')).toEqual(['seg']);
      expect(text(fs.readFile('/d/seg'))).toBe('new segment');
    };
    const state = (fs: SimulatedFileSystem) =>
      fs
        .listDirectory('/d')
        .sort()
        .map((name) => `${name}=${text(fs.readFile(`/d/${name}`))}`)
        .join(' ');
    const unsynced = tallyOverSeeds(setUp, (fs) => state(fs));
    expect([...unsynced.keys()].sort()).toEqual(['seg=new segment', 'seg=old segment seg.tmp=new segment']);
    const synced = tallyOverSeeds(
      (fs) => {
        setUp(fs);
        fs.syncDirectory('/d');
      },
      (fs) => state(fs),
    );
    expect(synced).toEqual(new Map([['seg=new segment', seedCount]]));
  });

  it('replacing a file through an unsynced temporary never leaves its name missing or empty', () => {
    const tally = tallyOverSeeds(
      (fs) => {
        durableFile(fs, '/d/seg', 'old segment');
        const temporary = fs.open('/d/seg.tmp', 'w+');
        writeAll(fs, temporary, bytes('new segment'), 0);
        fs.sync(temporary);
        fs.rename('/d/seg.tmp', '/d/seg');
      },
      (fs) => text(fs.readFile('/d/seg')),
    );
    expect([...tally.keys()].sort()).toEqual(['new segment', 'old segment']);
  });

  it('a rename across directories is durable once both directories are synced', () => {
    const tally = tallyOverSeeds(
      (fs) => {
        durableFile(fs, '/a/f', 'data');
        fs.makeDirectory('/b');
        fs.syncDirectory('/');
        fs.rename('/a/f', '/b/g');
        expect(fs.exists('/a/f')).toBe(false);
        expect(text(fs.readFile('/b/g'))).toBe('data');
        fs.syncDirectory('/a');
        fs.syncDirectory('/b');
      },
      (fs) => `${fs.listDirectory('/a').join()}|${fs.listDirectory('/b').join()}`,
    );
    expect(tally).toEqual(new Map([['|g', seedCount]]));
    // Only the source directory synced: its removal is durable, the new name may not be.
    const halfSynced = tallyOverSeeds(
      (fs) => {
        durableFile(fs, '/a/f', 'data');
        fs.makeDirectory('/b');
        fs.syncDirectory('/');
        fs.rename('/a/f', '/b/g');
        fs.syncDirectory('/a');
      },
      (fs) => `${fs.listDirectory('/a').join()}|${fs.listDirectory('/b').join()}`,
    );
    expect([...halfSynced.keys()].sort()).toEqual(['|', '|g']);
  });

  it('half-durable directory renames never leave a directory under two names or in a cycle', () => {
    const tally = tallyOverSeeds(
      (fs) => {
        fs.makeDirectory('/a');
        fs.makeDirectory('/c');
        fs.syncDirectory('/');
        fs.rename('/c', '/a/c');
        fs.syncDirectory('/a');
        fs.rename('/a/c', '/c');
        fs.rename('/a', '/c/a');
        fs.syncDirectory('/c'); // durably /a holds c and /c holds a; only the root decides
      },
      (fs, _report, seed) => {
        const paths = [...tree(fs).keys()];
        expect(paths.filter((path) => path.endsWith('/a')).length, `seed ${seed}`).toBeLessThanOrEqual(1);
        expect(paths.filter((path) => path.endsWith('/c')).length, `seed ${seed}`).toBeLessThanOrEqual(1);
        return paths.join(' ');
      },
    );
    expect(tally.size).toBeGreaterThan(2);
  });

  it('a descriptor follows its file through a rename and a removal', () => {
    const fs = new SimulatedFileSystem();
    const descriptor = durableFile(fs, '/d/a', 'one');
    fs.rename('/d/a', '/d/b');
    writeAll(fs, descriptor, bytes(' two'), 3);
    expect(text(fs.readFile('/d/b'))).toBe('one two');
    fs.remove('/d/b');
    writeAll(fs, descriptor, bytes(' three'), 7);
    fs.syncData(descriptor);
    expect(fs.listDirectory('/d')).toEqual([]);
    expect(fs.usedBytes()).toBe(13);
    fs.close(descriptor);
    expect(fs.usedBytes()).toBe(0);
  });
});

describe('SimulatedFileSystem: paths and node:fs errors', () => {
  it("treats '/a/b' and '/a/b/' alike and lists names, not paths", () => {
    const fs = new SimulatedFileSystem();
    fs.makeDirectory('/a/b/');
    fs.makeDirectory('/a/b');
    fs.close(fs.open('/a/b/x.wal', 'w+'));
    fs.close(fs.open('/a//b/./y.wal', 'w+'));
    expect(fs.exists('/a/b/')).toBe(true);
    expect(fs.listDirectory('/a/b/').sort()).toEqual(['x.wal', 'y.wal']);
    expect(fs.listDirectory('/a')).toEqual(['b']);
    expect(fs.exists('/a/b/x.wal/')).toBe(true);
    expect(fs.exists('/a/c')).toBe(false);
    expect(fs.exists('/a/b/x.wal/z')).toBe(false);
  });

  it('raises ENOENT, ENOTDIR, EISDIR and EEXIST as node:fs does', () => {
    const fs = new SimulatedFileSystem();
    durableFile(fs, '/d/f', 'data');
    expect(codeOf(() => fs.readFile('/d/missing'))).toBe('ENOENT');
    expect(codeOf(() => fs.open('/d/missing', 'r+'))).toBe('ENOENT');
    expect(codeOf(() => fs.open('/nowhere/f', 'w+'))).toBe('ENOENT');
    expect(codeOf(() => fs.listDirectory('/nowhere'))).toBe('ENOENT');
    expect(codeOf(() => fs.rename('/d/missing', '/d/g'))).toBe('ENOENT');
    expect(codeOf(() => fs.syncDirectory('/nowhere'))).toBe('ENOENT');
    expect(codeOf(() => fs.listDirectory('/d/f'))).toBe('ENOTDIR');
    expect(codeOf(() => fs.open('/d/f/g', 'w+'))).toBe('ENOTDIR');
    expect(codeOf(() => fs.makeDirectory('/d/f/g'))).toBe('ENOTDIR');
    expect(codeOf(() => fs.makeDirectory('/d/f'))).toBe('EEXIST');
    expect(codeOf(() => fs.readFile('/d'))).toBe('EISDIR');
    expect(codeOf(() => fs.open('/d', 'w+'))).toBe('EISDIR');
    expect(codeOf(() => fs.remove('/d'))).toBe('EISDIR');
    expect(codeOf(() => fs.rename('/d/f', '/'))).toBe('EBUSY');
    fs.makeDirectory('/d/sub');
    expect(codeOf(() => fs.rename('/d/f', '/d/sub'))).toBe('EISDIR');
    expect(codeOf(() => fs.rename('/d', '/d/sub/inner'))).toBe('EINVAL');
    fs.remove('/d/missing'); // no error
    const error = (() => {
      try {
        fs.readFile('/d/missing');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(FileSystemError);
    expect(error).toMatchObject({ code: 'ENOENT', syscall: 'open', path: '/d/missing' });
    expect((error as Error).message).toBe("ENOENT: no such file or directory, open '/d/missing'");
  });

  it("'w+' truncates an existing file and 'r+' keeps it", () => {
    const fs = new SimulatedFileSystem();
    fs.close(durableFile(fs, '/d/f', 'content'));
    fs.close(fs.open('/d/f', 'r+'));
    expect(text(fs.readFile('/d/f'))).toBe('content');
    fs.close(fs.open('/d/f', 'w+'));
    expect(fs.readFile('/d/f').byteLength).toBe(0);
  });

  it('raises EBADF for closed, unknown and pre-crash descriptors, and never reuses a number', () => {
    const fs = new SimulatedFileSystem();
    const descriptor = durableFile(fs, '/d/f', 'data');
    fs.close(descriptor);
    expect(codeOf(() => fs.close(descriptor))).toBe('EBADF');
    expect(codeOf(() => fs.write(descriptor, bytes('x'), 0, 1, 0))).toBe('EBADF');
    expect(codeOf(() => fs.syncData(descriptor))).toBe('EBADF');
    expect(codeOf(() => fs.sync(descriptor))).toBe('EBADF');
    expect(codeOf(() => fs.truncate(descriptor, 0))).toBe('EBADF');
    expect(codeOf(() => fs.syncData(12345))).toBe('EBADF');
    const reopened = fs.open('/d/f', 'r+');
    expect(reopened).not.toBe(descriptor);
    fs.powerLoss(new SeededPrng(firstSeed));
    expect(codeOf(() => fs.syncData(reopened))).toBe('EBADF');
  });

  it('rejects bad arguments with a clear error and changes nothing', () => {
    const fs = new SimulatedFileSystem();
    const descriptor = durableFile(fs, '/d/f', 'data');
    expect(codeOf(() => fs.write(descriptor, bytes('abc'), 2, 5, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => fs.write(descriptor, bytes('abc'), 0, 1, -1))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => fs.write(descriptor, bytes('abc'), 0.5, 1, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => fs.write(descriptor, 'abc' as unknown as Uint8Array, 0, 1, 0))).toBe(
      'ERR_INVALID_ARG_TYPE',
    );
    expect(codeOf(() => fs.truncate(descriptor, -1))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => fs.syncData(Number.NaN))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => fs.open('', 'w+'))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => fs.open('/d/g', 'a' as 'w+'))).toBe('ERR_INVALID_ARG_VALUE');
    expect(codeOf(() => fs.setCapacityBytes(-5))).toBe('ERR_OUT_OF_RANGE');
    expect(text(fs.readFile('/d/f'))).toBe('data');
    expect(fs.exists('/d/g')).toBe(false);
  });
});

describe('SimulatedFileSystem: injected faults', () => {
  it('a full disk takes what fits, then fails with ENOSPC; overwrites and freed space still work', () => {
    const fs = new SimulatedFileSystem();
    fs.makeDirectory('/d');
    fs.setCapacityBytes(10);
    const descriptor = fs.open('/d/f', 'w+');
    expect(fs.write(descriptor, bytes('12345678'), 0, 8, 0)).toBe(8);
    expect(fs.write(descriptor, bytes('abcde'), 0, 5, 8)).toBe(2);
    expect(text(fs.readFile('/d/f'))).toBe('12345678ab');
    expect(codeOf(() => fs.write(descriptor, bytes('c'), 0, 1, 10))).toBe('ENOSPC');
    expect(codeOf(() => fs.write(descriptor, bytes('z'), 0, 1, 20))).toBe('ENOSPC');
    expect(fs.write(descriptor, bytes('XY'), 0, 2, 0)).toBe(2);
    expect(text(fs.readFile('/d/f'))).toBe('XY345678ab');
    const other = fs.open('/d/g', 'w+');
    expect(codeOf(() => fs.write(other, bytes('g'), 0, 1, 0))).toBe('ENOSPC');
    fs.truncate(descriptor, 4);
    expect(fs.write(other, bytes('gggggggg'), 0, 8, 0)).toBe(6);
    fs.setCapacityBytes(null);
    expect(fs.write(other, bytes('gggggggg'), 0, 8, 6)).toBe(8);
    expect(fs.usedBytes()).toBe(18);
  });

  it('an injected sync failure raises EIO once and makes nothing durable', () => {
    const fs = new SimulatedFileSystem();
    const descriptor = durableFile(fs, '/d/f', 'synced');
    writeAll(fs, descriptor, bytes('+more'), 6);
    fs.failNextSync();
    expect(codeOf(() => fs.syncData(descriptor))).toBe('EIO');
    fs.failNextSync();
    expect(codeOf(() => fs.syncDirectory('/d'))).toBe('EIO');
    const tally = tallyOverSeeds(
      (fresh) => {
        const d = durableFile(fresh, '/d/f', 'synced');
        writeAll(fresh, d, bytes('+more'), 6);
        fresh.failNextSync();
        expect(codeOf(() => fresh.sync(d))).toBe('EIO');
      },
      (fresh) => text(fresh.readFile('/d/f')),
    );
    expect(tally.get('synced')).toBeGreaterThan(0);
    // The failure was used up: the next sync works and makes the data durable.
    const after = tallyOverSeeds(
      (fresh) => {
        const d = durableFile(fresh, '/d/f', 'synced');
        writeAll(fresh, d, bytes('+more'), 6);
        fresh.failNextSync();
        expect(codeOf(() => fresh.sync(d))).toBe('EIO');
        fresh.syncData(d);
      },
      (fresh) => text(fresh.readFile('/d/f')),
    );
    expect(after).toEqual(new Map([['synced+more', seedCount]]));
  });

  it('flips exactly one bit of the durable data, which a power loss keeps', () => {
    for (const seed of seeds.slice(0, 50)) {
      const fs = new SimulatedFileSystem();
      const original = bytes('the quick brown fox jumps over the lazy dog');
      fs.close(durableFile(fs, '/d/f', text(original)));
      const offset = fs.flipBit('/d/f', new SeededPrng(seed));
      expect(offset, `seed ${seed}`).not.toBeNull();
      const flipped = fs.readFile('/d/f');
      const differing = [...flipped].flatMap((byte, index) => (byte === original[index] ? [] : [index]));
      expect(differing, `seed ${seed}`).toEqual([offset]);
      const xor = flipped[offset!]! ^ original[offset!]!;
      expect(xor & (xor - 1), `seed ${seed}: one bit`).toBe(0);
      fs.powerLoss(new SeededPrng(seed));
      expect(fs.readFile('/d/f'), `seed ${seed}`).toEqual(flipped);
    }
    const fs = new SimulatedFileSystem();
    fs.close(fs.open('/empty', 'w+'));
    expect(fs.flipBit('/empty', new SeededPrng(firstSeed))).toBeNull();
    expect(codeOf(() => fs.flipBit('/missing', new SeededPrng(firstSeed)))).toBe('ENOENT');
  });

  it('a bit flip under an unsynced overwrite shows only after that overwrite is lost', () => {
    const fs = new SimulatedFileSystem();
    const descriptor = durableFile(fs, '/f', 'a');
    writeAll(fs, descriptor, bytes('b'), 0);
    expect(fs.flipBit('/f', new SeededPrng(firstSeed))).toBe(0);
    expect(text(fs.readFile('/f'))).toBe('b');
    const outcomes = tallyOverSeeds(
      (fresh) => {
        const d = durableFile(fresh, '/f', 'a');
        writeAll(fresh, d, bytes('b'), 0);
        fresh.flipBit('/f', new SeededPrng(firstSeed));
      },
      (fresh) => (text(fresh.readFile('/f')) === 'b' ? 'overwrite kept' : 'flipped durable byte'),
    );
    expect(outcomes.get('overwrite kept')).toBeGreaterThan(0);
    expect(outcomes.get('flipped durable byte')).toBeGreaterThan(0);
  });
});

describe('SimulatedFileSystem: random use of the whole port', () => {
  const directories = ['/', '/a', '/a/b', '/c'];
  const names = ['x', 'y', 'z.tmp'];

  it('only ever raises node:fs errors, and what a power loss leaves is stable', () => {
    const errorCodes = new Map<string, number>();
    let powerLosses = 0;
    for (const seed of seeds.slice(0, 100)) {
      const random = new SeededPrng(seed);
      const fs = new SimulatedFileSystem();
      const open: number[] = [];
      const pick = <T>(items: readonly T[]): T => items[random.nextInt(items.length)]!;
      const anyPath = () => {
        if (random.nextInt(5) === 0) return pick(directories);
        const directory = pick(directories);
        return `${directory === '/' ? '' : directory}/${pick(names)}`;
      };
      for (let step = 0; step < 200; step += 1) {
        const roll = random.nextInt(16);
        try {
          if (roll === 0) fs.makeDirectory(pick(directories));
          else if (roll === 1) open.push(fs.open(anyPath(), random.nextInt(2) === 0 ? 'w+' : 'r+'));
          else if (roll <= 4) {
            const data = Buffer.from(randomBytes(random, 1 + random.nextInt(12)));
            fs.write(pick([...open, 999]), data, 0, data.byteLength, random.nextInt(24));
          } else if (roll === 5) fs.syncData(pick([...open, 999]));
          else if (roll === 6) fs.truncate(pick([...open, 999]), random.nextInt(16));
          else if (roll === 7) fs.close(open.splice(random.nextInt(open.length + 1), 1)[0] ?? 999);
          else if (roll === 8) fs.rename(anyPath(), anyPath());
          else if (roll === 9) fs.remove(anyPath());
          else if (roll === 10) fs.syncDirectory(pick(directories));
          else if (roll === 11) fs.flipBit(anyPath(), random);
          else if (roll === 12) fs.setCapacityBytes(random.nextInt(3) === 0 ? null : 20 + random.nextInt(60));
          else if (roll === 13) {
            fs.crash();
            open.length = 0;
          } else if (roll === 14) {
            fs.powerLoss(random);
            powerLosses += 1;
            open.length = 0;
            const before = tree(fs);
            const again = fs.powerLoss(random);
            expect(again, `seed ${seed} step ${step}`).toEqual({
              filesAffected: 0,
              writesLost: 0,
              tornWrites: 0,
              directoryOperationsLost: 0,
              entriesVanished: 0,
            });
            expect(tree(fs), `seed ${seed} step ${step}`).toEqual(before);
            // A rename across directories synced on one side only may leave one file under two names,
            // counted once.
            let sizes = 0;
            for (const [path, content] of before) if (content !== '/') sizes += fs.readFile(path).byteLength;
            expect(fs.usedBytes(), `seed ${seed} step ${step}`).toBeLessThanOrEqual(sizes);
            expect(fs.usedBytes() > 0, `seed ${seed} step ${step}`).toBe(sizes > 0);
          } else {
            tree(fs);
          }
        } catch (error) {
          if (!(error instanceof FileSystemError))
            throw new Error(`seed ${seed} step ${step}: ${String(error)}`);
          errorCodes.set(error.code, (errorCodes.get(error.code) ?? 0) + 1);
        }
      }
    }
    console.log('simulated file system: random use raised', JSON.stringify(Object.fromEntries(errorCodes)));
    expect(powerLosses).toBeGreaterThan(100);
    for (const code of ['ENOENT', 'EBADF', 'ENOSPC']) expect(errorCodes.get(code), code).toBeGreaterThan(0);
  });
});
