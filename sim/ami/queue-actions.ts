// QueueStatus and QueueSummary over the simple queues; list items carry ActionID last,
// as app_queue writes them.
import { DEVICE_STATES } from '../core/protocol.js';
import type { SimpleQueues } from '../dialplan/queue.js';
import type { Pbx } from '../core/pbx.js';
import type { Headers } from './frame.js';

/** app_queue's member Status codes by device state. */
const MEMBER_STATUS: Readonly<Record<string, number>> = {
  UNKNOWN: 0,
  NOT_INUSE: 1,
  INUSE: 2,
  BUSY: 3,
  INVALID: 4,
  UNAVAILABLE: 5,
  RINGING: 6,
  RINGINUSE: 7,
  ONHOLD: 8,
};

export interface QueueLists {
  status: Array<{ event: string; fields: Headers }>;
  summary: Array<{ event: string; fields: Headers }>;
}

export function queueLists(pbx: Pbx, queues: SimpleQueues, only: string | undefined): QueueLists {
  const status: QueueLists['status'] = [];
  const summary: QueueLists['summary'] = [];
  const now = pbx.now();
  const loginTime = String(Math.floor(pbx.startedMs / 1000));
  for (const [queue, members] of queues.configured) {
    if (only && only !== queue) continue;
    const stats = queues.stats.get(queue) ?? { completed: 0, abandoned: 0 };
    const callers = queues.callers(queue);
    const stateOf = (device: string) => pbx.deviceStates.get(device) ?? DEVICE_STATES.notInUse;
    status.push({
      event: 'QueueParams',
      fields: [
        ['Queue', queue], ['Max', '0'], ['Strategy', 'leastrecent'], ['Calls', String(callers.length)],
        ['Holdtime', '0'], ['TalkTime', '0'], ['Completed', String(stats.completed)], ['Abandoned', String(stats.abandoned)],
        ['ServiceLevel', '0'], ['ServicelevelPerf', '0.0'], ['ServicelevelPerf2', '0.0'], ['Weight', '0'],
      ],
    });
    for (const m of members) {
      const state = stateOf(m.stateInterface);
      status.push({
        event: 'QueueMember',
        fields: [
          ['Queue', queue], ['Name', m.name], ['Location', m.iface], ['StateInterface', m.stateInterface],
          ['Membership', 'static'], ['Penalty', '0'], ['CallsTaken', '0'], ['LastCall', '0'], ['LastPause', '0'],
          ['LoginTime', loginTime], ['InCall', state === DEVICE_STATES.inUse ? '1' : '0'],
          ['Status', String(MEMBER_STATUS[state] ?? 0)], ['Paused', '0'], ['PausedReason', ''], ['Wrapuptime', '0'],
        ],
      });
    }
    let longest = 0;
    callers.forEach((ch, i) => {
      const wait = Math.floor((now - (queues.joinedAt.get(ch) ?? now)) / 1000);
      longest = Math.max(longest, wait);
      status.push({
        event: 'QueueEntry',
        fields: [
          ['Queue', queue], ['Position', String(i + 1)], ['Channel', ch.name], ['Uniqueid', ch.id],
          ['CallerIDNum', ch.caller.num || '<unknown>'], ['CallerIDName', ch.caller.name || '<unknown>'],
          ['ConnectedLineNum', ch.connected.num || '<unknown>'], ['ConnectedLineName', ch.connected.name || '<unknown>'],
          ['Wait', String(wait)], ['Priority', '0'],
        ],
      });
    });
    const available = members.filter((m) => stateOf(m.stateInterface) === DEVICE_STATES.notInUse).length;
    summary.push({
      event: 'QueueSummary',
      fields: [
        ['Queue', queue], ['LoggedIn', String(members.length)], ['Available', String(available)],
        ['Callers', String(callers.length)], ['HoldTime', '0'], ['TalkTime', '0'], ['LongestHoldTime', String(longest)],
      ],
    });
  }
  return { status, summary };
}
