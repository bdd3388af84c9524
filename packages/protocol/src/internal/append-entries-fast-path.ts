// A hand-written check of an AppendEntries' body and its command and configuration entries, the bulk
// of what a follower decodes. It accepts only what the zod schema accepts AND returns unchanged.
import type { Configuration, Entry, Member } from '@raftkv/raft';
import {
  addressLengthMax,
  entriesPerMessageMax,
  entryDataBytesMax,
  membersPerConfigurationMax,
} from '../limits.js';
import { hasLeaderShapedLog, hasUniqueMemberIds, isNodeId } from '../peer-schemas.js';
import {
  hasOnlyKeys,
  isBoundedBytes,
  isNonNegativeSafeInteger,
  isPlainArray,
  isPlainObject,
} from './plain-shapes.js';

const appendEntriesKeys: ReadonlySet<string> = new Set([
  'type',
  'term',
  'from',
  'to',
  'prevLogIndex',
  'prevLogTerm',
  'entries',
  'leaderCommit',
  'sequence',
]);
const configurationEntryKeys: ReadonlySet<string> = new Set(['index', 'term', 'kind', 'configuration']);
const configurationKeys: ReadonlySet<string> = new Set(['members']);
const memberKeys: ReadonlySet<string> = new Set(['id', 'role', 'address']);

/**
 * True when `message` (a plain object whose type, from and to the caller has checked) is an
 * AppendEntries the schema would decode to itself, its refinement included: a contiguous slice of
 * the leader's log after prevLogIndex (paper §5.3) with terms never above the message term (§5.1).
 */
export function isAppendEntriesBody(message: Record<string, unknown>): boolean {
  const { term, prevLogIndex, prevLogTerm, entries } = message;
  if (!hasOnlyKeys(message, appendEntriesKeys)) return false;
  if (!isNonNegativeSafeInteger(term) || !isNonNegativeSafeInteger(prevLogIndex)) return false;
  if (!isNonNegativeSafeInteger(prevLogTerm) || !isNonNegativeSafeInteger(message.leaderCommit)) return false;
  if (!isNonNegativeSafeInteger(message.sequence)) return false;
  if (!isPlainArray(entries, entriesPerMessageMax) || !areEntries(entries)) return false;
  return hasLeaderShapedLog({ term, prevLogIndex, prevLogTerm, entries });
}

function areEntries(values: readonly unknown[]): values is Entry[] {
  for (let position = 0; position < values.length; position += 1) {
    if (!isEntry(values[position])) return false;
  }
  return true;
}

/** entrySchema: a command (bytes up to entryDataBytesMax) or a configuration entry, nothing else. */
function isEntry(value: unknown): value is Entry {
  if (!isPlainObject(value) || !isNonNegativeSafeInteger(value.index)) return false;
  if (!isNonNegativeSafeInteger(value.term)) return false;
  if (value.kind === 'command') {
    return hasOnlyCommandEntryKeys(value) && isBoundedBytes(value.data, entryDataBytesMax);
  }
  return (
    value.kind === 'configuration' &&
    hasOnlyKeys(value, configurationEntryKeys) &&
    isConfiguration(value.configuration)
  );
}

/** hasOnlyKeys for a command entry, unrolled: it runs once per entry, the hottest loop of a decode. */
function hasOnlyCommandEntryKeys(entry: Record<string, unknown>): boolean {
  for (const key in entry) {
    if (key !== 'index' && key !== 'term' && key !== 'kind' && key !== 'data') return false;
  }
  return true;
}

/** configurationSchema: at most membersPerConfigurationMax members with unique ids. */
function isConfiguration(value: unknown): value is Configuration {
  if (!isPlainObject(value) || !hasOnlyKeys(value, configurationKeys)) return false;
  const members = value.members;
  if (!isPlainArray(members, membersPerConfigurationMax)) return false;
  return areMembers(members) && hasUniqueMemberIds({ members });
}

function areMembers(values: readonly unknown[]): values is Member[] {
  for (let position = 0; position < values.length; position += 1) {
    if (!isMember(values[position])) return false;
  }
  return true;
}

function isMember(value: unknown): value is Member {
  return (
    isPlainObject(value) &&
    hasOnlyKeys(value, memberKeys) &&
    isNodeId(value.id) &&
    (value.role === 'voter' || value.role === 'learner') &&
    typeof value.address === 'string' &&
    value.address.length <= addressLengthMax
  );
}
