// Who may take a callback, and since when. A callback belongs to its preferred advisor
// (the owner, or who promised it) alone for the owner window, then also to the owner's
// delegates for the delegate window, then to any tier-eligible advisor. Windows are
// measured from the callback's creation (`createdAt`): a callback scheduled long after
// the first call still gives its owner the full window. A supervisor's assignment
// restricts it to that advisor, with no windows.
import { foldPresence } from './presence.js';
import { minimumTierFor, tierFits } from './tiers.js';
import type { TierRules } from './tiers.js';
import type { Advisor, AdvisorPresence, AdvisorTier, Callback, MemberLevel } from './model.js';

export interface LadderSettings {
  ownerWindowMs: number;
  delegateWindowMs: number;
  tierRules: TierRules;
}

/** What the dispatcher knows of the team: delegate chains and live presences. */
export interface TeamView {
  /** Advisor id -> their delegates in order. */
  delegatesOf: ReadonlyMap<number, readonly number[]>;
  /** Advisors with no entry are treated as absent (not logged in, or left). */
  presences: ReadonlyMap<number, AdvisorPresence>;
}

export const LADDER_STAGES = ['assigned', 'owner', 'delegates', 'pool'] as const;
export type LadderStage = (typeof LADDER_STAGES)[number];

export interface CallbackLadder {
  stage: LadderStage;
  ownerId: number | null;
  delegateIds: readonly number[];
  /** Who may take it now; null means every advisor of `minimumTier` or above (plus owner and delegates). */
  advisorIds: readonly number[] | null;
  minimumTier: AdvisorTier;
  /** When the next, wider stage opens; null at the widest stage. */
  nextStageAt: number | null;
  explanation: string;
}

export type CallbackEligibility =
  | { eligible: true; reason: 'own-advisor' | 'delegate' | 'pool'; stage: LadderStage; explanation: string }
  | {
      eligible: false;
      why: 'assigned-to-other' | 'owner-window' | 'delegate-window' | 'tier';
      /** When this advisor becomes eligible; null if never (without a supervisor). */
      eligibleFrom: number | null;
      explanation: string;
    };

function windowStart(callback: Callback): number {
  const created = Date.parse(callback.createdAt);
  if (Number.isFinite(created)) return created;
  const firstCall = Date.parse(callback.firstCallAt);
  // An unreadable record must not strand the callback with an owner: open it to the pool.
  return Number.isFinite(firstCall) ? firstCall : 0;
}

const isAbsent = (team: TeamView, id: number, now: number) => foldPresence(team.presences.get(id) ?? null, now).availability === 'absent';

export function callbackLadder(
  callback: Callback,
  memberLevel: MemberLevel | null,
  team: TeamView,
  now: number,
  settings: LadderSettings,
): CallbackLadder {
  const minimumTier = minimumTierFor(memberLevel, settings.tierRules);
  const ownerId = callback.preferredAdvisorId;
  const delegateIds = ownerId === null ? [] : (team.delegatesOf.get(ownerId) ?? []).filter((id) => id !== ownerId);
  if (callback.assignedAdvisorId !== null) {
    return {
      stage: 'assigned',
      ownerId,
      delegateIds,
      advisorIds: [callback.assignedAdvisorId],
      minimumTier,
      nextStageAt: null,
      explanation: `assigned by a supervisor to advisor ${callback.assignedAdvisorId} only`,
    };
  }
  if (ownerId === null) {
    return { stage: 'pool', ownerId, delegateIds, advisorIds: null, minimumTier, nextStageAt: null, explanation: `no preferred advisor: any ${minimumTier} tier or above` };
  }
  const start = windowStart(callback);
  const ownerAbsent = isAbsent(team, ownerId, now);
  const anyDelegatePresent = delegateIds.some((id) => !isAbsent(team, id, now));
  const ownerEnds = ownerAbsent ? start : start + settings.ownerWindowMs;
  const delegateEnds = anyDelegatePresent ? Math.max(ownerEnds, start + settings.ownerWindowMs + settings.delegateWindowMs) : ownerEnds;
  if (now < ownerEnds) {
    return {
      stage: 'owner',
      ownerId,
      delegateIds,
      advisorIds: [ownerId],
      minimumTier,
      nextStageAt: ownerEnds,
      explanation: `owner ${ownerId} alone until ${new Date(ownerEnds).toISOString()}`,
    };
  }
  if (now < delegateEnds) {
    return {
      stage: 'delegates',
      ownerId,
      delegateIds,
      advisorIds: [ownerId, ...delegateIds],
      minimumTier,
      nextStageAt: delegateEnds,
      explanation: `owner ${ownerId}${ownerAbsent ? ' (absent)' : ''} and delegates ${delegateIds.join(', ')} until ${new Date(delegateEnds).toISOString()}`,
    };
  }
  const whyOpen = ownerAbsent && !anyDelegatePresent ? 'owner and delegates absent' : 'owner and delegate windows passed';
  return { stage: 'pool', ownerId, delegateIds, advisorIds: null, minimumTier, nextStageAt: null, explanation: `${whyOpen}: any ${minimumTier} tier or above` };
}

/** May this advisor take this callback now? With the reason it would be theirs. */
export function callbackEligibilityFor(
  advisor: Advisor,
  callback: Callback,
  memberLevel: MemberLevel | null,
  team: TeamView,
  now: number,
  settings: LadderSettings,
): CallbackEligibility {
  const ladder = callbackLadder(callback, memberLevel, team, now, settings);
  const relation = advisor.id === ladder.ownerId ? 'own-advisor' : ladder.delegateIds.includes(advisor.id) ? 'delegate' : 'pool';
  const yes = (explanation: string): CallbackEligibility => ({ eligible: true, reason: relation, stage: ladder.stage, explanation });
  if (ladder.stage === 'assigned') {
    return ladder.advisorIds?.includes(advisor.id)
      ? yes(`assigned to ${advisor.name} by a supervisor`)
      : { eligible: false, why: 'assigned-to-other', eligibleFrom: null, explanation: ladder.explanation };
  }
  if (ladder.advisorIds === null) {
    if (relation !== 'pool' || tierFits(advisor.tier, memberLevel, settings.tierRules)) return yes(ladder.explanation);
    return {
      eligible: false,
      why: 'tier',
      eligibleFrom: null,
      explanation: `${advisor.name} is ${advisor.tier} tier, member needs ${ladder.minimumTier} or above`,
    };
  }
  if (ladder.advisorIds.includes(advisor.id)) return yes(ladder.explanation);
  if (relation === 'delegate') {
    return { eligible: false, why: 'owner-window', eligibleFrom: ladder.nextStageAt, explanation: ladder.explanation };
  }
  if (!tierFits(advisor.tier, memberLevel, settings.tierRules)) {
    return { eligible: false, why: 'tier', eligibleFrom: null, explanation: `${advisor.name} is ${advisor.tier} tier, member needs ${ladder.minimumTier} or above` };
  }
  // Pool advisors wait for the end of the last window still ahead.
  const opensAt = callbackLadder(callback, memberLevel, team, ladder.nextStageAt ?? now, settings);
  const poolFrom = opensAt.stage === 'pool' ? ladder.nextStageAt : opensAt.nextStageAt;
  return {
    eligible: false,
    why: ladder.stage === 'owner' ? 'owner-window' : 'delegate-window',
    eligibleFrom: poolFrom,
    explanation: ladder.explanation,
  };
}
