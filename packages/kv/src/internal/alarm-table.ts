// The cluster's active alarms (etcd's alarm store) as replicated state: one store record per member
// and alarm kind, cached in memory in member order. Changed only inside an apply's store transaction.
import type { AlarmKind } from '../commands.js';
import type { MemberAlarm } from '../results.js';
import type { KvStoreReader, KvStoreWriter } from '../store-port.js';
import { alarmKey, alarmRange } from './keyspace.js';
import { kvPackr, unpackFromView } from './packr.js';

export class AlarmTable {
  private alarms: MemberAlarm[] = [];

  /** Reads every alarm record; a store from before the alarms holds none. */
  load(reader: KvStoreReader): void {
    const [start, end] = alarmRange;
    this.alarms = reader
      .range(start, end, Number.MAX_SAFE_INTEGER)
      .map(([, value]) => unpackFromView(value) as MemberAlarm)
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
