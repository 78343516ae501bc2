// Who may take a callback, and since when. A callback belongs to its preferred advisor
// (the owner, or who promised it) alone for the owner window, then also to the owner's
// delegates for the delegate window, then to any tier-eligible advisor. Windows are
// measured from `ladderFrom`, when the callback became workable as asked: its creation for
// one due at once (so a callback created long after the first call still gives its owner
// the full window), the time asked for when the member or a person scheduled it ("after
// 15:00") or rescheduled it. A dialer retry moves only the due time: the owner's window is
// not reopened by every retry. A supervisor's assignment restricts it to that advisor,
// with no windows.
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
  /** Advisors with no entry are treated as absent (not logged in, or left). A live view will do: only `get` is read. */
  presences: Pick<ReadonlyMap<number, AdvisorPresence>, 'get'>;
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

/**
 * The eligibility without its explanation: what the dispatcher needs for every candidate
 * of a pick, with the wording left to the one it picks (`callbackEligibilityFor`).
 */
export type CallbackEligibilityVerdict = WithoutExplanation<CallbackEligibility>;
type WithoutExplanation<T> = T extends unknown ? Omit<T, 'explanation'> : never;

/** Where the ladder of a callback created, scheduled or rescheduled `dueAt` starts, at `now`: once it is workable. */
export function ladderStartFor(dueAt: number, now: number): number {
  return Math.max(dueAt, now);
}

/**
 * Where the ladder starts after a "call now": now if it had not started yet, else where it
 * was. Calling now widens who may take it; it never hands a callback back to its owner alone.
 */
export function ladderStartOnCallNow(ladderFrom: number, now: number): number {
  return Number.isFinite(ladderFrom) ? Math.min(ladderFrom, now) : now;
}

function windowStart(callback: Callback): number {
  const from = Date.parse(callback.ladderFrom);
  if (Number.isFinite(from)) return from;
  const created = Date.parse(callback.createdAt);
  if (Number.isFinite(created)) return created;
  const firstCall = Date.parse(callback.firstCallAt);
  // An unreadable record must not strand the callback with an owner: open it to the pool.
  return Number.isFinite(firstCall) ? firstCall : 0;
}

const isAbsent = (team: TeamView, id: number, now: number) => foldPresence(team.presences.get(id) ?? null, now).availability === 'absent';

/** The ladder's facts without the wording. */
interface LadderFacts extends Omit<CallbackLadder, 'explanation'> {
  ownerAbsent: boolean;
  anyDelegatePresent: boolean;
}

// One object shape for every stage, no spreads and no closure per call: this runs for
// every candidate of every pick.
function facts(
  base: Pick<LadderFacts, 'ownerId' | 'delegateIds' | 'minimumTier'>,
  stage: LadderStage,
  advisorIds: readonly number[] | null,
  nextStageAt: number | null,
  ownerAbsent = false,
  anyDelegatePresent = false,
): LadderFacts {
  return { stage, ownerId: base.ownerId, delegateIds: base.delegateIds, advisorIds, minimumTier: base.minimumTier, nextStageAt, ownerAbsent, anyDelegatePresent };
}

function ladderFacts(callback: Callback, memberLevel: MemberLevel | null, team: TeamView, now: number, settings: LadderSettings): LadderFacts {
  const minimumTier = minimumTierFor(memberLevel, settings.tierRules);
  const ownerId = callback.preferredAdvisorId;
  const delegateIds = ownerId === null ? [] : (team.delegatesOf.get(ownerId) ?? []).filter((id) => id !== ownerId);
  const base = { ownerId, delegateIds, minimumTier };
  if (callback.assignedAdvisorId !== null) return facts(base, 'assigned', [callback.assignedAdvisorId], null);
  if (ownerId === null) return facts(base, 'pool', null, null);
  const start = windowStart(callback);
  const ownerAbsent = isAbsent(team, ownerId, now);
  const anyDelegatePresent = delegateIds.some((id) => !isAbsent(team, id, now));
  const ownerEnds = ownerAbsent ? start : start + settings.ownerWindowMs;
  const delegateEnds = anyDelegatePresent ? Math.max(ownerEnds, start + settings.ownerWindowMs + settings.delegateWindowMs) : ownerEnds;
  if (now < ownerEnds) return facts(base, 'owner', [ownerId], ownerEnds, ownerAbsent, anyDelegatePresent);
  if (now < delegateEnds) return facts(base, 'delegates', [ownerId, ...delegateIds], delegateEnds, ownerAbsent, anyDelegatePresent);
  return facts(base, 'pool', null, null, ownerAbsent, anyDelegatePresent);
}

const isoAt = (at: number | null) => new Date(at ?? 0).toISOString();

function explainLadder(f: LadderFacts): string {
  switch (f.stage) {
    case 'assigned':
      return `assigned by a supervisor to advisor ${f.advisorIds?.[0]} only`;
    case 'owner':
      return `owner ${f.ownerId} alone until ${isoAt(f.nextStageAt)}`;
    case 'delegates':
      return `owner ${f.ownerId}${f.ownerAbsent ? ' (absent)' : ''} and delegates ${f.delegateIds.join(', ')} until ${isoAt(f.nextStageAt)}`;
    case 'pool': {
      if (f.ownerId === null) return `no preferred advisor: any ${f.minimumTier} tier or above`;
      const whyOpen = f.ownerAbsent && !f.anyDelegatePresent ? 'owner and delegates absent' : 'owner and delegate windows passed';
      return `${whyOpen}: any ${f.minimumTier} tier or above`;
    }
  }
}

export function callbackLadder(
  callback: Callback,
  memberLevel: MemberLevel | null,
  team: TeamView,
  now: number,
  settings: LadderSettings,
): CallbackLadder {
  const facts = ladderFacts(callback, memberLevel, team, now, settings);
  const { stage, ownerId, delegateIds, advisorIds, minimumTier, nextStageAt } = facts;
  return { stage, ownerId, delegateIds, advisorIds, minimumTier, nextStageAt, explanation: explainLadder(facts) };
}

function verdictOn(
  ladder: LadderFacts,
  advisor: Advisor,
  callback: Callback,
  memberLevel: MemberLevel | null,
  team: TeamView,
  now: number,
  settings: LadderSettings,
): CallbackEligibilityVerdict {
  const reason = advisor.id === ladder.ownerId ? 'own-advisor' : ladder.delegateIds.includes(advisor.id) ? 'delegate' : 'pool';
  const { stage } = ladder;
  if (stage === 'assigned') {
    return ladder.advisorIds?.includes(advisor.id) ? { eligible: true, reason, stage } : { eligible: false, why: 'assigned-to-other', eligibleFrom: null };
  }
  if (ladder.advisorIds === null) {
    if (reason !== 'pool' || tierFits(advisor.tier, memberLevel, settings.tierRules)) return { eligible: true, reason, stage };
    return { eligible: false, why: 'tier', eligibleFrom: null };
  }
  if (ladder.advisorIds.includes(advisor.id)) return { eligible: true, reason, stage };
  if (reason === 'delegate') return { eligible: false, why: 'owner-window', eligibleFrom: ladder.nextStageAt };
  if (!tierFits(advisor.tier, memberLevel, settings.tierRules)) return { eligible: false, why: 'tier', eligibleFrom: null };
  // Pool advisors wait for the end of the last window still ahead.
  const opensAt = ladderFacts(callback, memberLevel, team, ladder.nextStageAt ?? now, settings);
  const poolFrom = opensAt.stage === 'pool' ? ladder.nextStageAt : opensAt.nextStageAt;
  return { eligible: false, why: stage === 'owner' ? 'owner-window' : 'delegate-window', eligibleFrom: poolFrom };
}

/** May this advisor take this callback now? With the reason it would be theirs, without the wording. */
export function callbackEligibilityVerdict(
  advisor: Advisor,
  callback: Callback,
  memberLevel: MemberLevel | null,
  team: TeamView,
  now: number,
  settings: LadderSettings,
): CallbackEligibilityVerdict {
  return verdictOn(ladderFacts(callback, memberLevel, team, now, settings), advisor, callback, memberLevel, team, now, settings);
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
  const ladder = ladderFacts(callback, memberLevel, team, now, settings);
  const verdict = verdictOn(ladder, advisor, callback, memberLevel, team, now, settings);
  if (verdict.eligible && verdict.stage === 'assigned') return { ...verdict, explanation: `assigned to ${advisor.name} by a supervisor` };
  if (!verdict.eligible && verdict.why === 'tier') {
    return { ...verdict, explanation: `${advisor.name} is ${advisor.tier} tier, member needs ${ladder.minimumTier} or above` };
  }
  return { ...verdict, explanation: explainLadder(ladder) };
}
