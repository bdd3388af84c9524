// The simulator imports the production RaftActor, write-ahead log and KvStateMachine that raftkvd
// runs (issue 12), and runs no in-memory stand-in for the log.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  type ProductionComponent,
  productionWiringViolations,
  valueImportsOf,
  type WiringSource,
} from '../src/production-wiring.js';
import { listTypeScriptFiles, readSourceFile } from '../src/source-files.js';

const workspaceRoot = resolve(import.meta.dirname, '../../..');

function sources(...folders: string[]): WiringSource[] {
  return folders
    .flatMap((folder) => listTypeScriptFiles(join(workspaceRoot, folder)))
    .map((path) => ({ ...readSourceFile(path, workspaceRoot), text: readFileSync(path, 'utf8') }));
}

/** What the simulator must run itself. */
const components: readonly ProductionComponent[] = [
  { name: 'RaftActor', from: '@raftkv/raft' },
  { name: 'WalLogStorage', from: '@raftkv/wal' },
  { name: 'KvStateMachine', from: '@raftkv/kv' },
];

describe('the simulator runs the production code', () => {
  const simulator = sources('packages/sim/src');
  // raftkvd, and the adapter that opens its write-ahead log.
  const production = sources('apps/node/src', 'packages/storage/src');

  test('imports RaftActor, WalLogStorage and KvStateMachine from the packages raftkvd runs, and defines no look-alike', () => {
    expect(simulator.length).toBeGreaterThan(5);
    expect(productionWiringViolations(simulator, production, components)).toEqual([]);
  });

  test('keeps no in-memory log: MemoryLogStorage is not imported by the simulator', () => {
    const memoryLog = simulator.filter((file) =>
      valueImportsOf(file.text, '@raftkv/raft').some(({ imported }) => imported === 'MemoryLogStorage'),
    );
    expect(memoryLog.map((file) => file.path)).toEqual([]);
  });

  test('the check can fail: a type-only import, an unused import, a missing one, or a look-alike', () => {
    const file = (path: string, text: string): WiringSource => ({
      path,
      text,
      code: text,
      imports: [],
    });
    const component = [{ name: 'WalLogStorage', from: '@raftkv/wal' }];
    const user = file('prod.ts', "import { WalLogStorage } from '@raftkv/wal';\nWalLogStorage.open(o);");
    expect(productionWiringViolations([user], [user], component)).toEqual([]);
    const typeOnly = file('a.ts', "import type { WalLogStorage } from '@raftkv/wal';\nlet x: WalLogStorage;");
    const inlineType = file(
      'b.ts',
      "import { type WalLogStorage } from '@raftkv/wal';\nlet x: WalLogStorage;",
    );
    const unused = file('c.ts', "import { WalLogStorage } from '@raftkv/wal';");
    const otherPackage = file('d.ts', "import { WalLogStorage } from './my-wal.js';\nWalLogStorage.open(o);");
    for (const simulatorFile of [typeOnly, inlineType, unused, otherPackage]) {
      expect(productionWiringViolations([simulatorFile], [user], component), simulatorFile.path).toEqual([
        'the simulator does not import and use WalLogStorage from @raftkv/wal',
      ]);
    }
    expect(productionWiringViolations([user], [unused], component)).toHaveLength(1);
    const lookAlike = file('e.ts', 'class WalLogStorage {}');
    expect(productionWiringViolations([user, lookAlike], [user], component)).toEqual([
      'e.ts defines its own WalLogStorage',
    ]);
    const renamed = file('f.ts', "import { WalLogStorage as Log } from '@raftkv/wal';\nLog.open(o);");
    expect(productionWiringViolations([renamed], [user], component)).toEqual([]);
  });
});
