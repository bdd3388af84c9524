// One lock-service member process: the write-ahead log (@raftkv/wal) in its data directory, the lock
// state machine, the consensus actor (@raftkv/raft) driven by a ticker, the ZeroMQ peer transport
// (@raftkv/transport-zmq), and an HTTP API for clients that answers on the leader and points elsewhere.
//   node dist/member.js --id n1 --data-dir /tmp/n1 \
//     --member n1,tcp://127.0.0.1:7001,http://127.0.0.1:8001 --member n2,… --member n3,…
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import {
  bootstrapState,
  defaultRaftConfig,
  type NodeId,
  nodeId,
  type ProposalResult,
  RaftActor,
  type ReadResult,
  SeededPrng,
} from '@raftkv/raft';
import { PeerTransport } from '@raftkv/transport-zmq';
import { WalLogStorage } from '@raftkv/wal';
import { nodeFileSystem } from '@raftkv/wal/node-file-system';
import {
  encodeLockCommand,
  type LockQuery,
  type LockResult,
  LockStateMachine,
  namePattern,
} from './lock-machine.js';

/** 40 ticks a second: defaultRaftConfig's election timeout of 10 ticks is 250 ms (paper §5.6). */
const tickMs = 25;
const requestBytesMax = 4096;

interface MemberAddress {
  readonly id: NodeId;
  readonly peer: string;
  readonly http: URL;
}

function usage(problem: string): never {
  process.stderr.write(
    `lock-service member: ${problem}\n` +
      'usage: member --id ID --data-dir DIR --member ID,tcp://HOST:PORT,http://HOST:PORT (one per member, this one included)\n',
  );
  process.exit(2);
}

function parseConfiguration(): { self: MemberAddress; members: MemberAddress[]; dataDir: string } {
  let values: { id?: string; 'data-dir'?: string; member?: string[] };
  try {
    ({ values } = parseArgs({
      options: {
        id: { type: 'string' },
        'data-dir': { type: 'string' },
        member: { type: 'string', multiple: true },
      },
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  if (values.id === undefined || values['data-dir'] === undefined) usage('--id and --data-dir are required');
  const members = (values.member ?? []).map((text) => {
    const [id, peer, http] = text.split(',');
    if (
      id === undefined ||
      !namePattern.test(id) ||
      peer?.startsWith('tcp://') !== true ||
      http === undefined
    )
      usage(`bad --member ${JSON.stringify(text)}`);
    let url: URL;
    try {
      url = new URL(http);
    } catch {
      usage(`bad HTTP address in --member ${JSON.stringify(text)}`);
    }
    return { id: nodeId(id), peer, http: url };
  });
  const self = members.find((member) => member.id === values.id);
  if (self === undefined) usage(`--id ${values.id} is not among the --member entries`);
  return { self, members, dataDir: values['data-dir'] };
}

const { self, members, dataDir } = parseConfiguration();
const fresh = !WalLogStorage.existsIn(nodeFileSystem, dataDir);
const log = WalLogStorage.open({ fileSystem: nodeFileSystem, directory: dataDir });
if (fresh) {
  // Every initial member persists the same bootstrap entries (paper §5.2 starts from one configuration).
  const state = bootstrapState({
    members: members.map(({ id, peer }) => ({ id, role: 'voter', address: peer })),
  });
  log.persist({ hardState: state.hardState, entries: state.entries, snapshot: null });
}

let actor: RaftActor<LockQuery, LockResult | undefined> | null = null;
let turnScheduled = false;
function scheduleTurns(): void {
  if (turnScheduled) return;
  turnScheduled = true;
  setImmediate(() => {
    turnScheduled = false;
    for (let turns = 0; actor?.hasWork() === true && turns < 1_000; turns += 1) actor.runTurn();
    if (actor?.hasWork() === true) scheduleTurns();
  });
}

const transport = await PeerTransport.bind({
  id: self.id,
  bindAddress: self.peer,
  onMessages: (messages) => {
    for (const message of messages) actor?.deliver({ type: 'message', message });
    scheduleTurns();
  },
});
transport.setPeers(new Map(members.filter(({ id }) => id !== self.id).map(({ id, peer }) => [id, peer])));
actor = RaftActor.start({
  config: defaultRaftConfig(self.id),
  storage: log,
  stateMachine: new LockStateMachine(), // in memory: rebuilt from the log at every start
  transport,
  random: new SeededPrng(Number.parseInt(self.id.replace(/\D/g, ''), 10) || 1),
  // No compaction: the state lives in memory and the log is what rebuilds it (README, Limits).
  compaction: { thresholdEntries: Number.MAX_SAFE_INTEGER, trailingEntries: 0 },
});
const ticker = setInterval(() => {
  actor?.deliver({ type: 'tick' });
  scheduleTurns();
}, tickMs);

function leaderHttp(): string | null {
  const leaderId = actor?.status().leaderId ?? null;
  return members.find(({ id }) => id === leaderId)?.http.origin ?? null;
}

/** A lock name from its URL form, or null when its percent-encoding is broken. */
function decodedName(encoded: string): string | null {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > requestBytesMax) throw new RangeError('request body too large');
  }
  return text === '' ? {} : JSON.parse(text);
}

function answer<T>(
  response: ServerResponse,
  result: ProposalResult<T> | ReadResult<T>,
  ok: (value: T) => unknown,
): void {
  if (result.ok) reply(response, 200, ok(result.result));
  else if (result.reason === 'not-leader' || result.reason === 'leadership-lost')
    reply(response, 421, { error: 'not-leader', leader: leaderHttp() });
  else reply(response, 503, { error: result.reason }); // retryable: acquire and release are idempotent
}

const server = createServer((request, response) => {
  void (async () => {
    const url = new URL(request.url ?? '/', 'http://member');
    if (request.method === 'GET' && url.pathname === '/status') {
      const status = actor!.status();
      return reply(response, 200, {
        id: self.id,
        role: status.role,
        term: status.term,
        leader: leaderHttp(),
        appliedIndex: status.appliedIndex,
      });
    }
    const match = /^\/locks\/([^/]+)(?:\/(acquire|release))?$/.exec(url.pathname);
    const lock = match === null ? null : decodedName(match[1]!);
    if (match === null || lock === null || !namePattern.test(lock))
      return reply(response, 404, { error: 'no such route or bad lock name' });
    const op = match[2] as 'acquire' | 'release' | undefined;
    if (op === undefined && request.method === 'GET') {
      actor!.deliver({
        type: 'read',
        query: { lock },
        onResult: (result) => answer(response, result, (value) => value),
      });
      return scheduleTurns();
    }
    if (op === undefined || request.method !== 'POST')
      return reply(response, 405, { error: 'use GET /locks/NAME or POST /locks/NAME/acquire|release' });
    let owner: unknown;
    try {
      owner = ((await readBody(request)) as { owner?: unknown }).owner;
    } catch (error) {
      return reply(response, 400, { error: `bad request body: ${(error as Error).message}` });
    }
    if (typeof owner !== 'string' || !namePattern.test(owner))
      return reply(response, 400, { error: 'owner: 1-128 of A-Za-z0-9._:/-' });
    const data = encodeLockCommand({ op, lock, owner });
    actor!.deliver({
      type: 'propose',
      data,
      onResult: (result) => answer(response, result, (value) => value),
    });
    scheduleTurns();
  })().catch((error: unknown) => reply(response, 500, { error: String(error) }));
});
server.listen(Number(self.http.port), self.http.hostname);
process.stdout.write(
  `lock-service ${self.id}: peers on ${self.peer}, clients on ${self.http.origin}, data in ${dataDir}\n`,
);

function shutdown(): void {
  clearInterval(ticker);
  actor?.stop();
  transport.close();
  log.close();
  server.close();
  server.closeAllConnections();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
