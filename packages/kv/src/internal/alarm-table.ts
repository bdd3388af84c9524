// The cluster's active alarms (etcd's alarm store) as replicated state: one store record per member
// and alarm kind, cached in memory in member order. Changed only inside an apply's store transaction.
import { assert } from '@raftkv/raft';
import type { AlarmKind } from '../commands.js';
import type { MemberAlarm } from '../results.js';
import type { KvStoreReader, KvStoreWriter } from '../store-port.js';
import { compareBytes } from './bytes.js';
import { alarmKey, alarmRange, isAlarmStoreKey } from './keyspace.js';
import { kvPackr, unpackFromView } from './packr.js';

export class AlarmTable {
  private alarms: MemberAlarm[] = [];

  /** Reads every alarm record; a store from before the alarms holds none. */
  load(reader: KvStoreReader): void {
    const [start, end] = alarmRange;
    this.alarms = reader
      .range(start, end, Number.MAX_SAFE_INTEGER)
      .map(([key, value]) => {
        const alarm = decodeAlarmRecord(key, value);
        assert(alarm !== null, 'AlarmTable: a stored alarm record is malformed');
        return alarm;
      })
      .sort(byMember);
  }

  list(): readonly MemberAlarm[] {
    return this.alarms;
  }

  has(kind: AlarmKind): boolean {
    return this.alarms.some((alarm) => alarm.alarm === kind);
  }

  /** Records `alarm`; a member's alarm already active stays as it was (its first `since`). */
  activate(writer: KvStoreWriter, alarm: MemberAlarm): void {
    if (this.alarms.some((active) => active.member === alarm.member && active.alarm === alarm.alarm)) return;
    const record: MemberAlarm = {
      member: alarm.member,
      alarm: alarm.alarm,
      reason: alarm.reason,
      since: alarm.since,
    };
    writer.put(alarmKey(record.alarm, record.member), kvPackr.pack(record));
    this.alarms = [...this.alarms, record].sort(byMember);
  }

  /** Clears the alarms of kind `kind` whose member `clear` picks. */
  deactivate(writer: KvStoreWriter, kind: AlarmKind, clear: (member: string) => boolean): void {
    const kept: MemberAlarm[] = [];
    for (const alarm of this.alarms) {
      if (alarm.alarm === kind && clear(alarm.member)) writer.delete(alarmKey(alarm.alarm, alarm.member));
      else kept.push(alarm);
    }
    this.alarms = kept;
  }
}

function byMember(left: MemberAlarm, right: MemberAlarm): number {
  return left.member < right.member ? -1 : left.member > right.member ? 1 : 0;
}

/**
 * The alarm a store pair holds, or null when the pair is not a well-formed alarm record (its value
 * a MemberAlarm, its key the one alarmKey gives for it). For snapshot streams from outside this
 * process, which must be checked before they replace the store.
 */
export function decodeAlarmRecord(key: Uint8Array, value: Uint8Array): MemberAlarm | null {
  if (!isAlarmStoreKey(key)) return null;
  let decoded: unknown;
  try {
    decoded = unpackFromView(value);
  } catch {
    return null; // msgpackr reports malformed bytes only by throwing
  }
  const candidate = decoded as Partial<MemberAlarm> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    candidate.alarm !== 'no-space' ||
    (candidate.reason !== 'disk-full' && candidate.reason !== 'map-full') ||
    typeof candidate.member !== 'string' ||
    typeof candidate.since !== 'string' ||
    Object.keys(candidate).length !== 4
  )
    return null;
  const alarm = candidate as MemberAlarm;
  return compareBytes(alarmKey(alarm.alarm, alarm.member), key) === 0 ? alarm : null;
}
