// A hand-written check for the common peer frames — AppendEntries, AppendEntriesResponse, RequestVote
// and RequestVoteResponse only — so peers skip zod for them. It accepts only frames peerFrameSchema
// accepts AND returns unchanged; any other frame (one odd message is enough) is left to zod whole.
import type { Message } from '@raftkv/raft';
import { messagesPerFrameMax, peerProtocolVersion } from '../limits.js';
import { isNodeId } from '../peer-schemas.js';
import { isAppendEntriesBody } from './append-entries-fast-path.js';
import { hasOnlyKeys, isNonNegativeSafeInteger, isPlainArray, isPlainObject } from './plain-shapes.js';

export interface CommonPeerFrame {
  readonly protocolVersion: typeof peerProtocolVersion;
  readonly messages: Message[];
}

/** True when `value` is a frame of common messages that peerFrameSchema would decode to itself. */
export function isCommonPeerFrame(value: unknown): value is CommonPeerFrame {
  if (!isPlainObject(value) || value.protocolVersion !== peerProtocolVersion) return false;
  if (!hasOnlyKeys(value, frameKeys)) return false;
  const messages = value.messages;
  if (!isPlainArray(messages, messagesPerFrameMax) || messages.length === 0) return false;
  for (let position = 0; position < messages.length; position += 1) {
    if (!isCommonMessage(messages[position])) return false;
  }
  return true;
}

const frameKeys: ReadonlySet<string> = new Set(['protocolVersion', 'messages']);
const appendEntriesResponseKeys: ReadonlySet<string> = new Set([
  'type',
  'term',
  'from',
  'to',
  'success',
  'matchIndex',
  'lastLogIndex',
  'conflictTerm',
  'conflictIndex',
  'sequence',
]);
const requestVoteKeys: ReadonlySet<string> = new Set([
  'type',
  'term',
  'from',
  'to',
  'lastLogIndex',
  'lastLogTerm',
  'preVote',
  'leadershipTransfer',
]);
const requestVoteResponseKeys: ReadonlySet<string> = new Set([
  'type',
  'term',
  'from',
  'to',
  'voteGranted',
  'preVote',
]);

/** The header every message shares (from, to), then the body of its type; other types → zod. */
function isCommonMessage(value: unknown): boolean {
  if (!isPlainObject(value) || !isNodeId(value.from) || !isNodeId(value.to)) return false;
  switch (value.type) {
    case 'AppendEntries':
      return isAppendEntriesBody(value);
    case 'AppendEntriesResponse':
      return isAppendEntriesResponseBody(value);
    case 'RequestVote':
      return isRequestVoteBody(value);
    case 'RequestVoteResponse':
      return isRequestVoteResponseBody(value);
    default:
      return false;
  }
}

function isAppendEntriesResponseBody(message: Record<string, unknown>): boolean {
  return (
    hasOnlyKeys(message, appendEntriesResponseKeys) &&
    isNonNegativeSafeInteger(message.term) &&
    typeof message.success === 'boolean' &&
    isNonNegativeSafeInteger(message.matchIndex) &&
    isNonNegativeSafeInteger(message.lastLogIndex) &&
    isNonNegativeSafeInteger(message.conflictTerm) &&
    isNonNegativeSafeInteger(message.conflictIndex) &&
    isNonNegativeSafeInteger(message.sequence)
  );
}

function isRequestVoteBody(message: Record<string, unknown>): boolean {
  return (
    hasOnlyKeys(message, requestVoteKeys) &&
    isNonNegativeSafeInteger(message.term) &&
    isNonNegativeSafeInteger(message.lastLogIndex) &&
    isNonNegativeSafeInteger(message.lastLogTerm) &&
    typeof message.preVote === 'boolean' &&
    typeof message.leadershipTransfer === 'boolean'
  );
}

function isRequestVoteResponseBody(message: Record<string, unknown>): boolean {
  return (
    hasOnlyKeys(message, requestVoteResponseKeys) &&
    isNonNegativeSafeInteger(message.term) &&
    typeof message.voteGranted === 'boolean' &&
    typeof message.preVote === 'boolean'
  );
}
