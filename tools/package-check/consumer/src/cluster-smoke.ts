// Three raftkv members in one process, built only from the published packages: per member an LMDB
// data directory with its write-ahead log (@raftkv/storage), the KV state machine (@raftkv/kv), the
// consensus actor (@raftkv/raft) and the ZeroMQ peer transport (@raftkv/transport-zmq). Writes
// through the leader, stops it, writes through the next one, restarts the stopped member from its
// directory and checks it catches up. Prints one JSON line; exits 1 on any failure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCommand, type KvApplyResult, type KvQuery, KvStateMachine } from '@raftkv/kv';
import {
  bootstrapState,
  type Configuration,
  defaultRaftConfig,
  type NodeId,
  nodeId,
  type ProposalResult,
  RaftActor,
  SeededPrng,
} from '@raftkv/raft';
import { type LmdbEnvironment, openLmdbEnvironment } from '@raftkv/storage';
import { PeerTransport } from '@raftkv/transport-zmq';

const tickMs = 10; // election timeout: defaultRaftConfig's 10 ticks = 100 ms
const waitLimitMs = 20_000;
const ids = [nodeId('n1'), nodeId('n2'), nodeId('n3')];
const root = mkdtempSync(join(tmpdir(), 'raftkv-consumer-'));

interface Member {
  readonly id: NodeId;
  readonly storage: LmdbEnvironment;
  readonly machine: KvStateMachine;
  readonly transport: PeerTransport;
  readonly actor: RaftActor<KvQuery, KvApplyResult>;
  readonly ticker: NodeJS.Timeout;
}

const members = new Map<NodeId, Member>();
const addresses = new Map<NodeId, string>();

async function startMember(id: NodeId, configuration: Configuration | null, seed: number): Promise<Member> {
  const storage = openLmdbEnvironment({ directory: join(root, id) });
  if (configuration !== null) {
    const state = bootstrapState(configuration);
    storage.log.persist({ hardState: state.hardState, entries: state.entries, snapshot: null });
  }
  const machine = new KvStateMachine(storage.kv);
  let actor: RaftActor<KvQuery, KvApplyResult> | null = null;
  let turnScheduled = false;
  const drain = () => {
    turnScheduled = false;
    for (let turns = 0; actor?.hasWork() === true && turns < 1_000; turns += 1) actor.runTurn();
  };
  const schedule = () => {
    if (!turnScheduled) {
      turnScheduled = true;
      setImmediate(drain);
    }
  };
  const transport = await PeerTransport.bind({
    id,
    bindAddress: 'tcp://127.0.0.1:*',
    onMessages: (messages) => {
      for (const message of messages) actor?.deliver({ type: 'message', message });
      schedule();
    },
  });
  actor = RaftActor.start({
    config: defaultRaftConfig(id),
    storage: storage.log,
    stateMachine: machine,
    transport,
    random: new SeededPrng(seed),
  });
  const ticker = setInterval(() => {
    actor?.deliver({ type: 'tick' });
    schedule();
  }, tickMs);
  addresses.set(id, transport.address);
  const member: Member = { id, storage, machine, transport, actor, ticker };
  members.set(id, member);
  for (const other of members.values()) {
    other.transport.setPeers(new Map([...addresses].filter(([peer]) => peer !== other.id)));
  }
  return member;
}

function stopMember(member: Member): void {
  clearInterval(member.ticker);
  member.actor.stop();
  member.transport.close();
  member.storage.close();
  members.delete(member.id);
}

async function until<T>(what: string, probe: () => T | null): Promise<T> {
  const deadline = Date.now() + waitLimitMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
}

const leader = () =>
  until(
    'a leader',
    () => [...members.values()].find((member) => member.actor.status().role === 'leader') ?? null,
  );

const utf8 = (text: string) => new TextEncoder().encode(text);
let sequence = 0;

/** Proposes a put through the current leader, retrying on a leader change; resolves at its log index. */
async function put(key: string, value: string): Promise<number> {
  sequence += 1;
  const data = encodeCommand({
    operation: { type: 'put', key: utf8(key), value: utf8(value) },
    session: { clientId: 'consumer', sequence, firstUnacknowledgedSequence: sequence },
  });
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const member = await leader();
    const result = await new Promise<ProposalResult<KvApplyResult>>((resolve) => {
      if (!member.actor.deliver({ type: 'propose', data, onResult: resolve }))
        resolve({ ok: false, reason: 'mailbox-full', leaderHint: null });
    });
    if (result.ok) {
      if (result.result?.ok !== true) throw new Error(`put ${key} failed: ${JSON.stringify(result.result)}`);
      return result.index;
    }
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
  throw new Error(`put ${key} was not accepted`);
}

function read(member: Member, key: string): string | null {
  const answer = member.machine.query({ type: 'get', key: utf8(key) });
  if (answer?.ok !== true || answer.result.type !== 'get') throw new Error(`get ${key} failed`);
  const keyValue = answer.result.keyValue;
  return keyValue === null ? null : new TextDecoder().decode(keyValue.value);
}

async function allApplied(index: number, expected: Record<string, string>): Promise<void> {
  for (const member of members.values()) {
    await until(`${member.id} to apply ${index}`, () =>
      member.machine.appliedIndex() >= index ? true : null,
    );
    for (const [key, value] of Object.entries(expected)) {
      const found = read(member, key);
      if (found !== value) throw new Error(`${member.id} has ${key}=${found}, expected ${value}`);
    }
  }
}

async function main(): Promise<void> {
  const configuration: Configuration = {
    members: ids.map((id) => ({ id, role: 'voter' as const, address: id })),
  };
  for (const [i, id] of ids.entries()) await startMember(id, configuration, i + 1);
  const first = await leader();
  await allApplied(await put('greeting', 'hello'), { greeting: 'hello' });

  stopMember(first);
  const second = await leader();
  if (second.id === first.id) throw new Error('the stopped member is still leader');
  const index = await put('farewell', 'goodbye');
  await allApplied(index, { greeting: 'hello', farewell: 'goodbye' });

  await startMember(first.id, null, 7);
  await allApplied(index, { greeting: 'hello', farewell: 'goodbye' });
  console.log(JSON.stringify({ ok: true, firstLeader: first.id, secondLeader: second.id, index }));
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.log(JSON.stringify({ ok: false, error: String(error) }));
} finally {
  for (const member of [...members.values()]) stopMember(member);
  rmSync(root, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
