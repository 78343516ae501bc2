// The preview screen pop of a callback: shown on the agent's desktop as their phone rings
// (before the member is dialed), with the member, their own advisor and why this agent
// got it; updated when the member answers and when the call ends.
import type { PopPhase, ScreenPop } from '../desktop/contract.js';
import { popMemberOf, popOwnerState } from '../desktop/pop-parts.js';
import type { Advisor, AdvisorPresence, Member } from '../domain/model.js';
import type { CallbackRecord } from '../store/callbacks.js';

export interface CallbackPopInput {
  popId: string;
  callId: string;
  phase: PopPhase;
  callback: CallbackRecord;
  member: Member | null;
  owner: Advisor | null;
  ownerPresence: AdvisorPresence | null;
  /** Why this agent: own-advisor, delegate or pool (ladder stage). */
  relation: 'own-advisor' | 'delegate' | 'pool';
  now: number;
  outcome?: ScreenPop['outcome'];
}

const REASON_TEXT: Record<CallbackRecord['reason'], string> = {
  requested: 'asked for a callback',
  'peak-offer': 'took a callback at peak time',
  abandoned: 'hung up while waiting',
  manual: 'callback planned by a supervisor',
};

function reasonText(input: CallbackPopInput): string {
  const why = REASON_TEXT[input.callback.reason];
  if (input.relation === 'own-advisor') return `Callback: your member ${why}`;
  const owner = input.owner ? ` for ${input.owner.name}` : '';
  return input.relation === 'delegate' ? `Callback as delegate${owner}: member ${why}` : `Callback${owner}: member ${why}`;
}

export function callbackPop(input: CallbackPopInput): ScreenPop {
  const { callback } = input;
  return {
    popId: input.popId,
    callId: input.callId,
    phase: input.phase,
    callerNumber: callback.number,
    member: input.member ? popMemberOf(input.member, input.now) : null,
    owner: input.owner
      ? { id: input.owner.id, name: input.owner.name, nameZh: input.owner.nameZh, tier: input.owner.tier, state: popOwnerState(input.ownerPresence) }
      : null,
    reason: 'callback',
    reasonText: reasonText(input),
    ivr: {},
    waitedSeconds: Math.max(0, Math.round((input.now - Date.parse(callback.firstCallAt)) / 1000)),
    callback: {
      id: callback.id,
      reason: callback.reason,
      firstCallAt: callback.firstCallAt,
      dueAt: callback.dueAt,
      attempts: callback.attempts,
      promisedByAdvisorId: callback.preferredAdvisorId,
      note: callback.note,
    },
    phaseAt: new Date(input.now).toISOString(),
    ...(input.outcome ? { outcome: input.outcome } : {}),
  };
}
