// The parts every screen pop shares, whatever brought the call (inbound or callback).
import type { AdvisorPresence, Member } from '../domain/model.js';
import { lifecycleOf } from '../domain/lifecycle.js';
import type { PopMember, PopOwner } from './contract.js';

export function popMemberOf(member: Member, now: number): PopMember {
  let lifecycle: PopMember['lifecycle'];
  try {
    const { stage, atRisk } = lifecycleOf(member, now);
    lifecycle = { stage, atRisk };
  } catch {
    // An unreadable date in one record must not cost the agent the whole pop.
    lifecycle = undefined;
  }
  return {
    id: member.id,
    memberNo: member.memberNo,
    name: member.name,
    level: member.level,
    phones: member.phones,
    ...(lifecycle ? { lifecycle } : {}),
    lastPurchaseAt: member.lastPurchaseAt,
    purchaseCount: member.purchaseCount,
    totalSpend: member.totalSpend,
    tags: member.tags,
    notes: member.notes,
    servicePlan: member.servicePlan,
    timeZone: member.timeZone,
    language: member.language,
  };
}

/** The owner's state as the agent answering for them should see it. */
export function popOwnerState(presence: AdvisorPresence | null | undefined): PopOwner['state'] {
  if (!presence || presence.markedAbsent || presence.desktop === 'logged-out' || presence.phone === 'unavailable') return 'absent';
  if (presence.phone === 'in-use') return 'on-call';
  if (presence.phone === 'ringing') return 'ringing';
  return presence.desktop;
}
