// A simple queue and Dial(): enough for the fallback path (caller waits, members are
// rung one after another, the first to answer is bridged) and for abandon statistics.
import { randomUUID } from 'node:crypto';
import type { Channel } from '../core/model.js';
import type { Telephony } from '../core/calls.js';
import { amiChannel } from '../core/format.js';
import { AMI_PRIVILEGE, CAUSES, DEVICE_STATES, DIAL_STATUS, type DeviceState } from '../core/protocol.js';
import type { QueueMember } from './queues-conf.js';

const MEMBER_RING_MS = 15_000;

export interface QueueStats {
  completed: number;
  abandoned: number;
}

export class SimpleQueues {
  /** Queue name -> member dial strings, rung in order. */
  readonly members = new Map<string, string[]>();
  /** Queue name -> members as configured (for QueueStatus). */
  readonly configured = new Map<string, QueueMember[]>();
  readonly stats = new Map<string, QueueStats>();
  readonly joinedAt = new Map<Channel, number>();
  private readonly waiting = new Map<string, Channel[]>();
  /** State interface -> queues it is a member of, with each member's last state. */
  private readonly memberStates = new Map<string, Map<string, DeviceState>>();

  constructor(private readonly tel: Telephony) {}

  /** Registers members and the queue's own device states (Queue:q, _avail, _pause_<iface>). */
  configure(queue: string, members: QueueMember[]): void {
    const pbx = this.tel.pbx;
    this.members.set(queue, members.map((m) => m.iface));
    this.configured.set(queue, members);
    this.stats.set(queue, { completed: 0, abandoned: 0 });
    pbx.deviceStates.set(`Queue:${queue}`, DEVICE_STATES.notInUse);
    pbx.deviceStates.set(`Queue:${queue}_avail`, members.length > 0 ? DEVICE_STATES.notInUse : DEVICE_STATES.inUse);
    for (const m of members) {
      pbx.deviceStates.set(`Queue:${queue}_pause_${m.iface.replace(/\/n$/, '')}`, DEVICE_STATES.notInUse);
      const byQueue = this.memberStates.get(m.stateInterface) ?? new Map<string, DeviceState>();
      byQueue.set(queue, DEVICE_STATES.notInUse);
      this.memberStates.set(m.stateInterface, byQueue);
    }
  }

  /** A member's device changed: `Queue:q_avail` says whether anyone can take a call. */
  onDeviceState(device: string, state: DeviceState): void {
    const byQueue = this.memberStates.get(device);
    if (!byQueue) return;
    for (const queue of byQueue.keys()) {
      byQueue.set(queue, state);
      let available = false;
      for (const states of this.memberStates.values()) if (states.get(queue) === DEVICE_STATES.notInUse) available = true;
      this.tel.pbx.publishDevice(`Queue:${queue}_avail`, available ? DEVICE_STATES.notInUse : DEVICE_STATES.inUse, false);
    }
  }

  callers(queue: string): readonly Channel[] {
    return this.waiting.get(queue) ?? [];
  }

  async join(ch: Channel, queue: string, timeoutMs: number): Promise<string> {
    const pbx = this.tel.pbx;
    const list = this.waiting.get(queue) ?? [];
    this.waiting.set(queue, list);
    list.push(ch);
    const joinedMs = pbx.now();
    this.joinedAt.set(ch, joinedMs);
    const stats = this.stats.get(queue) ?? { completed: 0, abandoned: 0 };
    this.stats.set(queue, stats);
    const position = list.length;
    pbx.amiEvent('QueueCallerJoin', AMI_PRIVILEGE.agent, [...amiChannel(ch), ['Queue', queue], ['Position', String(position)], ['Count', String(list.length)]]);
    ch.onEvent?.({ type: 'queue', queue });
    const leave = () => {
      const i = list.indexOf(ch);
      if (i >= 0) list.splice(i, 1);
      this.joinedAt.delete(ch);
      pbx.amiEvent('QueueCallerLeave', AMI_PRIVILEGE.agent, [...amiChannel(ch), ['Queue', queue], ['Position', String(position)], ['Count', String(list.length)]]);
    };
    const deadline = timeoutMs > 0 ? joinedMs + timeoutMs : Infinity;
    const hungUp = new Promise<'hangup'>((resolve) => ch.abort.signal.addEventListener('abort', () => resolve('hangup'), { once: true }));
    while (!ch.hungup && pbx.now() < deadline) {
      const members = this.members.get(queue) ?? [];
      if (members.length === 0) {
        const left = deadline === Infinity ? 2_000 : Math.min(2_000, deadline - pbx.now());
        await Promise.race([hungUp, new Promise((r) => setTimeout(r, Math.max(1, left)))]);
        continue;
      }
      for (const member of members) {
        if (ch.hungup) break;
        const status = await this.dialAndBridge(ch, member, MEMBER_RING_MS, leave);
        if (status === DIAL_STATUS.answer) {
          stats.completed += 1;
          return 'CONNECTED';
        }
      }
      if (!ch.hungup) await Promise.race([hungUp, new Promise((r) => setTimeout(r, 1_000))]);
    }
    if (ch.hungup) {
      stats.abandoned += 1;
      pbx.amiEvent('QueueCallerAbandon', AMI_PRIVILEGE.agent, [
        ...amiChannel(ch),
        ['Queue', queue],
        ['Position', String(position)],
        ['OriginalPosition', String(position)],
        ['HoldTime', String(Math.round((pbx.now() - joinedMs) / 1000))],
      ]);
      leave();
      return 'HANGUP';
    }
    leave();
    return 'TIMEOUT';
  }

  /** Dial(): rings `endpoint`, bridges on answer, returns DIALSTATUS when the call ends. */
  dialAndBridge(ch: Channel, endpoint: string, timeoutMs: number, onConnect?: () => void): Promise<string> {
    const pbx = this.tel.pbx;
    return new Promise((resolve) => {
      const result = this.tel.dial({
        endpoint,
        caller: ch.caller,
        timeoutMs,
        onAnswer: (peer) => {
          if (ch.hungup) {
            this.tel.hangup(peer, CAUSES.normal, 'far');
            resolve(DIAL_STATUS.cancel);
            return;
          }
          onConnect?.();
          if (ch.state !== 'Up') this.tel.answer(ch);
          const bridge = pbx.createBridge(randomUUID(), 'basic', '');
          pbx.enterBridge(bridge, ch);
          pbx.enterBridge(bridge, peer);
          pbx.announcePeers(bridge);
          const end = (other: Channel) => () => {
            if (!other.hungup) this.tel.hangup(other, CAUSES.normal, 'far');
            if (pbx.bridges.has(bridge.id)) pbx.destroyBridge(bridge);
            resolve(DIAL_STATUS.answer);
          };
          ch.abort.signal.addEventListener('abort', end(peer), { once: true });
          peer.abort.signal.addEventListener('abort', end(ch), { once: true });
        },
        onFail: (outcome) => {
          resolve(outcome === 'busy' ? DIAL_STATUS.busy : outcome === 'noanswer' ? DIAL_STATUS.noAnswer : DIAL_STATUS.chanUnavail);
        },
      });
      if (!result.ok) {
        resolve(DIAL_STATUS.chanUnavail);
        return;
      }
      ch.abort.signal.addEventListener(
        'abort',
        () => {
          if (!result.channel.hungup && this.tel.isDialing(result.channel)) this.tel.hangup(result.channel, CAUSES.normal, 'far');
        },
        { once: true },
      );
    });
  }
}
