// Touches every published entry point the way a user would, so the type-check covers each package's
// published types, and runs the parts that need no network: a peer frame round trip, a write-ahead
// log reopened from its directory, an in-process cluster on write-ahead logs, one simulator seed,
// and a client built and closed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KvClient, type KvClientOptions } from '@raftkv/client';
import { InProcessCluster } from '@raftkv/in-process-cluster';
import { KvStateMachine, MemoryKvStore } from '@raftkv/kv';
import { ReferenceModel } from '@raftkv/kv/testing';
import { decodePeerFrame, encodePeerFrame } from '@raftkv/protocol';
import { bootstrapState, MemoryLogStorage, nodeId } from '@raftkv/raft';
import { isBrokenVariant } from '@raftkv/raft/testing';
import { runSeed } from '@raftkv/sim';
import { StorageError } from '@raftkv/storage';
import { verifySnapshotFile } from '@raftkv/storage/snapshot-file';
import { type FileSystem, WalLogStorage } from '@raftkv/wal';
import { StorageCorruptionError } from '@raftkv/wal/errors';
import { nodeFileSystem } from '@raftkv/wal/node-file-system';
import { encodeRecord } from '@raftkv/wal/record-codec';

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`failed: ${what}`);
}

const frame = encodePeerFrame([{ type: 'TimeoutNow', term: 3, from: nodeId('n1'), to: nodeId('n2') }]);
const decoded = decodePeerFrame(frame);
check(decoded.ok && decoded.messages[0]?.type === 'TimeoutNow', 'a peer frame decodes to what was encoded');

const configuration = { members: [{ id: nodeId('n1'), role: 'voter' as const, address: 'n1' }] };
const directory = mkdtempSync(join(tmpdir(), 'raftkv-wal-'));
try {
  const fileSystem: FileSystem = nodeFileSystem;
  const written = WalLogStorage.open({ fileSystem, directory });
  const state = bootstrapState(configuration);
  written.persist({ hardState: state.hardState, entries: state.entries, snapshot: null });
  written.close();
  const reopened = WalLogStorage.open({ fileSystem, directory });
  check(
    reopened.lastIndex() === state.entries.length,
    'the write-ahead log keeps its entries across a reopen',
  );
  reopened.close();
} finally {
  rmSync(directory, { recursive: true, force: true });
}

const memory = new MemoryLogStorage(bootstrapState(configuration));
check(memory.lastIndex() === 1, 'the in-memory log holds the bootstrap entry');
check(
  new KvStateMachine(new MemoryKvStore()).appliedIndex() === 0,
  'a new KV state machine has applied nothing',
);
check(
  typeof ReferenceModel === 'function' && !isBrokenVariant('apply-before-commit'),
  'testing entries load',
);

// The in-process cluster over the installed write-ahead log: real files, in-memory network.
const walRoot = mkdtempSync(join(tmpdir(), 'raftkv-cluster-'));
try {
  const cluster = InProcessCluster.start({
    seed: 3,
    stateMachine: () => new KvStateMachine(new MemoryKvStore()),
    log: (id, bootstrap) => {
      const log = WalLogStorage.open({ fileSystem: nodeFileSystem, directory: join(walRoot, id) });
      if (bootstrap !== null)
        log.persist({ hardState: bootstrap.hardState, entries: bootstrap.entries, snapshot: null });
      return log;
    },
  });
  const leader = cluster.awaitLeader();
  check(
    cluster.actor(leader).status().role === 'leader',
    'the in-process cluster elects a leader on WAL logs',
  );
  cluster.close();
} finally {
  rmSync(walRoot, { recursive: true, force: true });
}

const run = runSeed(1, { trace: 'off' });
check(run.ok, `simulator seed 1 passes: ${run.summary}`);

const options: KvClientOptions = { endpoints: ['tcp://127.0.0.1:1'] };
new KvClient(options).close();

check(
  new StorageCorruptionError('x', 'f') instanceof Error && typeof StorageError === 'function',
  'errors load',
);
check(typeof verifySnapshotFile === 'function' && typeof encodeRecord === 'function', 'sub-entries load');
console.log(JSON.stringify({ ok: true }));
