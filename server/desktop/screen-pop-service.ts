// Turns call-flow events into screen pops: `ringing` the moment an agent's phone is
// rung, `answered` when they pick up, `ended` when the call ends or moves on to
// someone else (then `missed` for the agent who did not answer).
import type { AdvisorPresence } from '../domain/model.js';
import { popMemberOf, popOwnerState } from './pop-parts.js';
import type { AgentRingingEvent, CallAnsweredEvent, CallEndedEvent, CallEventBase, CallFlowEvents } from '../pbx/call-flow/events.js';
import type { Logger } from '../shared/logger.js';
import type { DesktopGateway } from './gateway.js';
import type { ScreenPop } from './contract.js';

export interface ScreenPopServiceOptions {
  events: CallFlowEvents;
  gateway: Pick<DesktopGateway, 'sendScreenPop' | 'updateScreenPop'>;
  presenceOf: (advisorId: number) => AdvisorPresence | undefined;
  logger: Logger;
  now: () => number;
}

interface OpenPop {
  advisorId: number;
  pop: ScreenPop;
}

const SERVICE_LABELS: Record<string, string> = { '1': 'orders', '2': 'product advice', '3': 'after-sales' };

export function startScreenPops(options: ScreenPopServiceOptions): () => void {
  const { events, gateway, logger, now } = options;
  const log = logger.child({ component: 'screen-pops' });
  const open = new Map<string, OpenPop[]>();

  // Everything a pop shows is in the event: the pop goes out as the phone is rung, not after a query.
  const baseOf = (event: CallEventBase): Omit<ScreenPop, 'popId' | 'phase' | 'reason' | 'reasonText' | 'waitedSeconds'> => {
    const member = event.member ? popMemberOf(event.member, now()) : null;
    const owner = event.owner?.advisor;
    const ownership = event.member ? event.ownership : null;
    return {
      callId: event.callId,
      callRecordId: event.storedCallId,
      callerNumber: event.callerNumber,
      member,
      owner: owner ? { id: owner.id, name: owner.name, nameZh: owner.nameZh, tier: owner.tier, state: popOwnerState(options.presenceOf(owner.id)) } : null,
      ivr: {
        ...event.ivr.extra,
        ...(event.ivr.language ? { language: event.ivr.language } : {}),
        ...(event.ivr.choice ? { choice: event.ivr.choice, choiceLabel: SERVICE_LABELS[event.ivr.choice] ?? event.ivr.choice } : {}),
        ...(event.ivr.memberNo ? { memberNo: event.ivr.memberNo } : {}),
      },
      callback: null,
      handoverNote: ownership?.handoverNote ? { text: ownership.handoverNote, at: ownership.since } : null,
      ...(member?.lifecycle ? { lifecycle: member.lifecycle } : {}),
    };
  };

  const send = (advisorId: number, pop: ScreenPop, first: boolean) => {
    const delivery = first ? gateway.sendScreenPop(advisorId, pop) : gateway.updateScreenPop(advisorId, pop);
    delivery.then(
      (d) => log.debug({ popId: pop.popId, advisorId, phase: pop.phase, sockets: d.sockets, acknowledged: d.acknowledged }, 'screen pop delivered'),
      (err: unknown) => log.warn({ err, popId: pop.popId, advisorId }, 'screen pop not delivered'),
    );
  };

  // The call row may be stored after the first ring: later phases carry its id, so a
  // disposition saved after the call points at the stored call.
  const withRecordId = (pop: ScreenPop, event: CallEventBase): ScreenPop =>
    event.storedCallId !== null && pop.callRecordId == null ? { ...pop, callRecordId: event.storedCallId } : pop;

  const endPops = (event: CallEventBase, keep: (entry: OpenPop) => boolean, outcomeOf: (entry: OpenPop) => ScreenPop['outcome']) => {
    const callId = event.callId;
    const pops = open.get(callId) ?? [];
    const remaining: OpenPop[] = [];
    for (const entry of pops) {
      if (keep(entry)) {
        remaining.push(entry);
        continue;
      }
      const outcome = outcomeOf(entry);
      entry.pop = { ...withRecordId(entry.pop, event), phase: 'ended', phaseAt: new Date(now()).toISOString(), ...(outcome ? { outcome } : {}) };
      send(entry.advisorId, entry.pop, false);
    }
    if (remaining.length) open.set(callId, remaining);
    else open.delete(callId);
  };

  const onRinging = (event: AgentRingingEvent) => {
    // The call moved on from whoever rang before: their pop ends as missed.
    endPops(event, (e) => e.advisorId === event.advisorId, () => 'missed');
    const pop: ScreenPop = {
      ...baseOf(event),
      popId: `${event.callId}:${event.attempt}`,
      phase: 'ringing',
      reason: event.reason,
      reasonText: event.reasonText,
      waitedSeconds: event.waitedSeconds,
      phaseAt: event.at,
    };
    open.set(event.callId, [...(open.get(event.callId) ?? []).filter((e) => e.advisorId !== event.advisorId), { advisorId: event.advisorId, pop }]);
    send(event.advisorId, pop, true);
  };

  const onAnswered = (event: CallAnsweredEvent) => {
    const entry = open.get(event.callId)?.find((e) => e.advisorId === event.advisorId);
    if (!entry) return;
    entry.pop = { ...withRecordId(entry.pop, event), phase: 'answered', phaseAt: event.at, waitedSeconds: event.waitedSeconds };
    send(entry.advisorId, entry.pop, false);
  };

  const onEnded = (event: CallEndedEvent) => {
    endPops(
      event,
      () => false,
      (e) => (e.advisorId === event.advisorId ? 'answered' : event.outcome === 'abandoned' ? 'abandoned' : 'missed'),
    );
  };

  const ringing = (e: AgentRingingEvent) => {
    try {
      onRinging(e);
    } catch (err) {
      log.error({ err, callId: e.callId }, 'could not build the screen pop');
    }
  };
  events.on('agent-ringing', ringing);
  events.on('call-answered', onAnswered);
  events.on('call-ended', onEnded);
  return () => {
    events.off('agent-ringing', ringing);
    events.off('call-answered', onAnswered);
    events.off('call-ended', onEnded);
  };
}
