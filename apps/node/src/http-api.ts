// The HTTP API every raftkvd serves, compatible with the hraftd tutorial: POST /key (several keys =
// one atomic transaction), GET/DELETE /key/<key>, POST /join, GET /status, /health, /metrics. Routes
// build client requests for the RequestHandler and map typed outcomes to HTTP; bad input gets a 400.
import type { KvCommand, KvQuery, KvResult, MemberAlarm, PutOperation } from '@raftkv/kv';
import { type ClientResponseBody, type ClientResult, nodeIdPattern } from '@raftkv/protocol';
import { assert, type NodeId, type NodeStatus } from '@raftkv/raft';
import { isCurveKey } from '@raftkv/transport-zmq';
import { z } from 'zod';
import { parseHttpAddress, parseTcpAddress } from './addresses.js';
import { alreadyVoterCode, rejoinRefusal } from './cluster-join.js';
import type { HttpAccess, HttpRefusal } from './http-access.js';
import { type HttpRequest, type HttpResponse, jsonError } from './http-server.js';
import type { LeaderForwarding } from './leader-forwarding.js';
import {
  encodeMemberAddress,
  fitsMemberAddress,
  type MemberAddress,
  parseMemberAddress,
} from './member-address.js';
import type { NoSpaceAlarm } from './no-space-alarm.js';
import type { RequestHandler } from './request-handler.js';

export interface HttpApiOptions {
  readonly handler: RequestHandler;
  readonly forwarding: LeaderForwarding;
  readonly status: () => NodeStatus;
  readonly isShuttingDown: () => boolean;
  /** The no-space alarm while raised (docs/reliability.md "Full disks"). */
  readonly noSpace: () => NoSpaceAlarm | null;
  /** The cluster's active alarms as this member has applied them. */
  readonly clusterAlarms: () => readonly MemberAlarm[];
  readonly metrics: () => Promise<{ readonly contentType: string; readonly text: string }>;
  /** Longest key the node's store accepts, in UTF-8 bytes. */
  readonly keyBytesMax: number;
  /** The bytes of a backup file of this member's applied state (one point-in-time view). */
  readonly openBackup: () => AsyncGenerator<Uint8Array>;
  /** Who may call which route (bearer tokens); every refusal goes to onRefused, for the log. */
  readonly access: HttpAccess;
  readonly onRefused: (refusal: HttpRefusal) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Refuses bytes that are not UTF-8 instead of replacing them with U+FFFD (two keys must not become one). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** A lone UTF-16 surrogate (`"\ud800"` in JSON): TextEncoder would store it as U+FFFD. */
const loneSurrogate = /\p{Cs}/u;

const joinSchema = z.strictObject({
  id: z.string().regex(nodeIdPattern, { error: 'id is not a valid node id' }),
  /** The joiner's CURVE public key: the members dial and admit it by this key. */
  key: z.string().refine(isCurveKey, { error: 'key is not a 40-character Z85 public key' }).optional(),
  addr: z
    .string()
    .refine((text) => parseTcpAddress(text) !== null, { error: 'addr is not a tcp://host:port address' }),
  clientAddr: z
    .string()
    .refine((text) => parseTcpAddress(text) !== null, {
      error: 'clientAddr is not a tcp://host:port address',
    })
    .optional(),
  httpAddr: z
    .string()
    .refine((text) => parseHttpAddress(text) !== null, {
      error: 'httpAddr is not an http://host:port address',
    })
    .optional(),
});

/** Rejections that go away by themselves: the client should retry. */
const transientRejections = new Set([
  'membership-change-in-progress',
  'no-leader-commit-in-term',
  'leadership-transfer-in-progress',
  'superseded',
  'leadership-lost',
]);

export class HttpApi {
  constructor(private readonly options: HttpApiOptions) {}

  readonly handle = async (request: HttpRequest): Promise<HttpResponse> => {
    const { method, path } = request;
    const refused = this.options.access.check(request);
    if (refused !== null) {
      this.options.onRefused(refused.refusal);
      return refused.answer;
    }
    if (path === '/key' || path === '/key/') {
      return method === 'POST' ? this.putKeys(request) : methodNotAllowed('POST');
    }
    if (path.startsWith('/key/')) {
      if (method === 'GET') return this.getKey(request);
      if (method === 'DELETE') return this.deleteKey(request);
      return methodNotAllowed('GET, DELETE');
    }
    if (path === '/join') return method === 'POST' ? this.join(request) : methodNotAllowed('POST');
    if (method !== 'GET') return jsonError(404, `no route ${method} ${path}`);
    if (path === '/status') return { status: 200, body: this.statusBody() };
    if (path === '/health') return this.health();
    if (path === '/snapshot') return this.snapshot();
    if (path === '/metrics') {
      const { contentType, text } = await this.options.metrics();
      return { status: 200, body: text, contentType };
    }
    return jsonError(404, `no route ${method} ${path}`);
  };

  /** `raftkv snapshot save`: this member's applied state as a backup file, streamed. */
  private snapshot(): HttpResponse {
    if (this.options.isShuttingDown()) return jsonError(503, 'shutting down');
    return {
      status: 200,
      body: null,
      stream: this.options.openBackup(),
      contentType: 'application/octet-stream',
    };
  }

  private async putKeys(request: HttpRequest): Promise<HttpResponse> {
    const pairs = parseJsonObject(request.body);
    if (typeof pairs === 'string') return jsonError(400, pairs);
    const entries = Object.entries(pairs);
    if (entries.length === 0) return jsonError(400, 'the body names no keys: send {"key": "value", ...}');
    const puts: PutOperation[] = [];
    for (const [key, value] of entries) {
      if (typeof value !== 'string') return jsonError(400, `the value of "${key}" must be a JSON string`);
      if (loneSurrogate.test(value))
        return jsonError(400, `the value of ${JSON.stringify(key)} ${notUnicode}`);
      const keyBytes = this.keyBytes(key);
      if (typeof keyBytes === 'string') return jsonError(400, keyBytes);
      puts.push({ type: 'put', key: keyBytes, value: encoder.encode(value) });
    }
    const command: KvCommand =
      puts.length === 1
        ? { operation: puts[0]! }
        : { operation: { type: 'transaction', compares: [], success: puts, failure: [] } };
    return this.onLeader(
      request,
      'command',
      await this.options.handler.handle({ kind: 'command', command }),
      (result) =>
        kvAnswer(result.result, result.index, () => ({ status: 200, body: { index: result.index } })),
    );
  }

  private async getKey(request: HttpRequest): Promise<HttpResponse> {
    const key = this.keyFromPath(request.path);
    if (typeof key === 'string') return jsonError(400, key);
    const query: KvQuery = { type: 'get', key: key.bytes };
    const serializable = request.query.get('consistency') === 'serializable' || request.query.has('stale');
    const consistency = serializable ? 'serializable' : 'linearizable';
    const minRevision = parseMinRevision(request.query.get('min_revision'));
    if (typeof minRevision === 'string') return jsonError(400, minRevision);
    const response = await this.options.handler.handle({
      kind: 'read',
      query,
      consistency,
      ...(minRevision === null ? {} : { minRevision }),
    });
    return this.onLeader(request, 'read', response, (result) =>
      kvAnswer(result.result, result.index, (operation) => {
        if (operation.type !== 'get' || operation.keyValue === null) {
          return jsonError(404, `key "${key.text}" not found`);
        }
        return { status: 200, body: { [key.text]: decoder.decode(operation.keyValue.value) } };
      }),
    );
  }

  private async deleteKey(request: HttpRequest): Promise<HttpResponse> {
    const key = this.keyFromPath(request.path);
    if (typeof key === 'string') return jsonError(400, key);
    const command: KvCommand = { operation: { type: 'delete', key: key.bytes } };
    const response = await this.options.handler.handle({ kind: 'command', command });
    return this.onLeader(request, 'command', response, (result) =>
      kvAnswer(result.result, result.index, (operation) => ({
        status: 200,
        body: { deleted: operation.type === 'delete' && operation.deleted, index: result.index },
      })),
    );
  }

  /** hraftd's POST /join {"id","addr"}, plus optional clientAddr/httpAddr: adds a learner (thesis §4.2.1). */
  private async join(request: HttpRequest): Promise<HttpResponse> {
    const body = parseJsonObject(request.body);
    if (typeof body === 'string') return jsonError(400, body);
    const parsed = joinSchema.safeParse(body);
    if (!parsed.success) return jsonError(400, parsed.error.issues[0]?.message ?? 'bad join request');
    const { id, addr, clientAddr, httpAddr, key } = parsed.data;
    const address: MemberAddress = {
      peer: addr,
      client: clientAddr ?? null,
      http: httpAddr ?? null,
      key: key ?? null,
    };
    if (!fitsMemberAddress(address))
      return jsonError(400, 'the addresses are too long to store in a configuration');
    const existing = this.options.status().configuration.members.find((member) => member.id === id);
    if (existing !== undefined) {
      // A joining node has an empty log: taking it back as the voter it was would let it count in a
      // majority with a log and a vote it lost (thesis §3.8, §4.1). A learner at the same address is
      // this node asking again before its log arrived.
      if (existing.role === 'voter')
        return jsonError(409, rejoinRefusal(id, existing.address), { code: alreadyVoterCode });
      if (parseMemberAddress(existing.address)?.peer === addr) {
        return { status: 200, body: { joined: false, alreadyMember: true, members: this.membersBody() } };
      }
      return jsonError(409, `${id} is already a member with the address ${existing.address}`);
    }
    const change = { type: 'addLearner', id: id as NodeId, address: encodeMemberAddress(address) } as const;
    const response = await this.options.handler.handle({ kind: 'changeMembership', change });
    return this.onLeader(request, 'changeMembership', response, (result) => ({
      status: 200,
      body: { joined: true, index: result.index, members: this.membersBody() },
    }));
  }

  /**
   * Answers a request: success through `onOk`, not-leader by forwarding (writes always need the
   * leader; a linearizable read only when this member knows no leader to ask for a read index),
   * errors by code.
   */
  private onLeader<K extends ClientResult['kind']>(
    request: HttpRequest,
    kind: K,
    response: ClientResponseBody,
    onOk: (result: Extract<ClientResult, { kind: K }>) => HttpResponse,
  ): HttpResponse | Promise<HttpResponse> {
    const isWrite = kind !== 'read';
    if (response.ok) {
      assert(response.result.kind === kind, () => `a ${kind} request got a ${response.result.kind} result`);
      return onOk(response.result as Extract<ClientResult, { kind: K }>);
    }
    const { error } = response;
    switch (error.code) {
      case 'not-leader':
        return this.options.forwarding.forwardOrRedirect(request, error.leaderId, isWrite);
      case 'timeout':
      case 'outcome-unknown':
      case 'revision-not-reached':
        return jsonError(504, error.message, { code: error.code });
      case 'no-space':
        // RFC 4918 §11.5: 507 Insufficient Storage; the write was never proposed.
        return jsonError(507, error.message, { code: error.code });
      case 'overloaded':
      case 'shutting-down':
        return { ...jsonError(503, error.message, { code: error.code }), headers: { 'retry-after': '1' } };
      case 'rejected':
        return transientRejections.has(error.reason)
          ? { ...jsonError(503, error.message, { code: error.reason }), headers: { 'retry-after': '1' } }
          : jsonError(409, error.message, { code: error.reason });
      default:
        return jsonError(400, error.message, { code: error.code });
    }
  }

  private health(): HttpResponse {
    const status = this.options.status();
    if (this.options.isShuttingDown()) return jsonError(503, 'shutting down', { status: 'shutting-down' });
    const alarm = this.options.noSpace();
    if (alarm !== null)
      return jsonError(503, `no-space alarm: ${alarm.message}`, {
        status: 'no-space',
        reason: alarm.reason,
        since: alarm.since,
      });
    // etcd's /health too is unhealthy while a NOSPACE alarm is active anywhere in the cluster.
    const clusterAlarms = this.options.clusterAlarms();
    if (clusterAlarms.length > 0) {
      const members = clusterAlarms.map((active) => active.member).join(', ');
      return jsonError(503, `the cluster refuses writes that add data: no-space alarm of ${members}`, {
        status: 'no-space',
        alarms: clusterAlarms,
      });
    }
    if (status.leaderId === null)
      return jsonError(503, 'no leader known', { status: 'no-leader', role: status.role });
    return { status: 200, body: { status: 'ok', id: status.id, role: status.role, leader: status.leaderId } };
  }

  private statusBody(): Record<string, unknown> {
    const status = this.options.status();
    const leader = status.leaderId === null ? null : this.memberView(status.leaderId);
    return {
      id: status.id,
      role: status.role,
      term: status.term,
      leader: leader === null ? null : { id: status.leaderId, client: leader.client, http: leader.http },
      commitIndex: status.commitIndex,
      appliedIndex: status.appliedIndex,
      firstIndex: status.firstIndex,
      lastIndex: status.lastIndex,
      members: this.membersBody(),
      progress: status.progress,
      leadershipTransferTarget: status.leadershipTransferTarget,
      shuttingDown: this.options.isShuttingDown(),
      alarms: this.alarmsBody(),
      clusterAlarms: this.options.clusterAlarms(),
    };
  }

  /** This member's own raised alarms: the no-space alarm, or none (the cluster's are clusterAlarms). */
  private alarmsBody(): Array<Record<string, unknown>> {
    const alarm = this.options.noSpace();
    return alarm === null ? [] : [{ ...alarm }];
  }

  private membersBody(): Array<Record<string, unknown>> {
    return this.options.status().configuration.members.map((member) => {
      const address = parseMemberAddress(member.address);
      return {
        id: member.id,
        role: member.role,
        peer: address?.peer ?? null,
        client: address?.client ?? null,
        http: address?.http ?? null,
        key: address?.key ?? null,
      };
    });
  }

  private memberView(id: NodeId): MemberAddress | null {
    const member = this.options.status().configuration.members.find((candidate) => candidate.id === id);
    return member === undefined ? null : parseMemberAddress(member.address);
  }

  private keyFromPath(path: string): { text: string; bytes: Uint8Array } | string {
    let text: string;
    try {
      text = decodeURIComponent(path.slice('/key/'.length));
    } catch {
      return 'the key in the path is not valid percent-encoding';
    }
    const bytes = this.keyBytes(text);
    return typeof bytes === 'string' ? bytes : { text, bytes };
  }

  private keyBytes(key: string): Uint8Array | string {
    if (key.length === 0) return 'the key must not be empty';
    if (loneSurrogate.test(key)) return `the key ${JSON.stringify(key)} ${notUnicode}`;
    const bytes = encoder.encode(key);
    if (bytes.byteLength > this.options.keyBytesMax) {
      return `the key is ${bytes.byteLength} bytes, more than the ${this.options.keyBytesMax} allowed`;
    }
    return bytes;
  }
}

function methodNotAllowed(allowed: string): HttpResponse {
  return { ...jsonError(405, `method not allowed; use ${allowed}`), headers: { allow: allowed } };
}

const notUnicode =
  'holds a lone UTF-16 surrogate (such as \\ud800), which UTF-8 cannot store; send valid Unicode';

function parseJsonObject(body: Buffer): Record<string, unknown> | string {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return 'the body is not valid UTF-8';
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `the body is not valid JSON: ${(error as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'the body must be a JSON object';
  return value as Record<string, unknown>;
}

/** `?min_revision=R`: a non-negative integer KV revision; null when absent, a message when malformed. */
function parseMinRevision(text: string | null): number | null | string {
  if (text === null) return null;
  const revision = /^[0-9]{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(revision)) return `min_revision must be a non-negative integer, got "${text}"`;
  return revision;
}

/** A state machine result: a KV error is the client's fault (400); success goes to `onOk`. */
function kvAnswer(
  result: KvResult,
  index: number,
  onOk: (operation: Extract<KvResult, { ok: true }>['result']) => HttpResponse,
): HttpResponse {
  if (!result.ok) {
    // RFC 4918 §11.5: 507 Insufficient Storage; the cluster's no-space alarm refused the write.
    const status = result.error.code === 'no-space' ? 507 : 400;
    return jsonError(status, result.error.message, { code: result.error.code });
  }
  const answer = onOk(result.result);
  return {
    ...answer,
    headers: {
      ...answer.headers,
      'x-raftkv-index': String(index),
      'x-raftkv-revision': String(result.revision),
    },
  };
}
