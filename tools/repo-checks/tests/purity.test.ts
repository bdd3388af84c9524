// The pure core stays pure: packages/raft/src, packages/kv/src and packages/in-process-cluster/src
// (it drives the core by ticks) use no I/O, clock, timers, async
// or ambient randomness (DESIGN.md "The consensus core: a pure state machine").
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { purityViolations } from '../src/purity.js';
import {
  importsOf,
  listTypeScriptFiles,
  readSourceFile,
  stripCommentsAndStrings,
} from '../src/source-files.js';

const workspaceRoot = resolve(import.meta.dirname, '../../..');
const corePackages = ['packages/raft', 'packages/kv', 'packages/in-process-cluster'];

/** The same processing as for files on disk, applied to a snippet. */
const sample = (text: string) => [
  { path: 'sample.ts', code: stripCommentsAndStrings(text), imports: importsOf(text) },
];

describe('purity rule', () => {
  for (const directory of corePackages) {
    test(`${directory}/src has no I/O, clock, timers, async or ambient randomness`, () => {
      const files = listTypeScriptFiles(join(workspaceRoot, directory, 'src')).map((path) =>
        readSourceFile(path, workspaceRoot),
      );
      expect(files.length).toBeGreaterThan(0);
      expect(purityViolations(files)).toEqual([]);
    });
  }

  test.each([
    ['const now = Date.now();', 'reads the clock (Date)'],
    ['const r = Math.random();', 'uses ambient randomness (Math.random)'],
    ['setTimeout(() => {}, 1);', 'uses timers'],
    ['async function f() {}', 'is asynchronous'],
    ['const p = new Promise(() => {});', 'is asynchronous'],
    ['const t = performance.now();', 'reads the clock (performance)'],
    ['const e = process.env.X;', 'touches the process (process.*)'],
  ])('catches %s', (code, rule) => {
    expect(purityViolations(sample(code)).map((violation) => violation.rule)).toContain(rule);
  });

  test('catches forbidden imports', () => {
    const rules = purityViolations(
      sample("import { readFileSync } from 'node:fs';\nimport lmdb from 'node-lmdb';"),
    ).map((violation) => violation.rule);
    expect(rules).toEqual(['imports node:fs', 'imports node-lmdb']);
  });

  test('ignores comments and strings that mention forbidden names', () => {
    expect(
      purityViolations(
        sample("// Date.now() is not used here\nconst s = 'Math.random()';\n/* setTimeout */"),
      ),
    ).toEqual([]);
  });
});
